"""Runtime room: who answers a request (the real API, the simulated Claude, or a cassette), and the CLI.

Lessons never import from here directly except through :func:`make_client`; managers never know which
transport answers.
"""
