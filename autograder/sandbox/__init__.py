"""The untrusted side and its set-up: the fork server, the worker that runs student
code, the isolation applied to it, and the wire protocol between the two sides.

Nothing in this package imports anything secret (the reference, hidden suites, the
gradebook): the worker inherits the fork server's memory. Only the standard library,
NumPy, matplotlib and IPython.
"""
