"""course_lib: the small library behind the Conversation Management notebooks.

Every public name says which notebook introduces it, so you can go from code to lesson and back.
"""

__version__ = "0.1.0"

from .client import DEFAULT_MODEL, banner, client_info, make_client  # noqa: E402
from .messages import InvalidHistoryError, ensure_valid, validate_messages  # noqa: E402
from .sim import Faults, SimulatedClaude  # noqa: E402
from .tokens import count_tokens, estimate_message_tokens, estimate_request_tokens, estimate_tokens  # noqa: E402

__all__ = [
    "DEFAULT_MODEL", "Faults", "InvalidHistoryError", "SimulatedClaude", "__version__", "banner", "client_info",
    "count_tokens", "ensure_valid", "estimate_message_tokens", "estimate_request_tokens", "estimate_tokens",
    "make_client", "validate_messages",
]
