"""NumPy reference implementations for the course (batches are rows, float64 throughout).

Submodules (import them directly; this package imports nothing eagerly):
activations, losses, layers, gradcheck, init, network, data (needs scikit-learn),
optim, schedules, regularization, perceptron, capacity.
"""
