"""``nngrade serve``: the course's submission service.

Students sign in with a token, upload notebooks and get their feedback seconds later;
staff see every submission, the class report and the misconceptions, regrade, export
and grade by hand. The web stack (Starlette, served by uvicorn) is imported only here,
so the rest of ``nngrade`` never pays for it.
"""
