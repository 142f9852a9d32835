import hmac
import os
from typing import Any, Dict, Optional

from generated.state import State


class Forbidden(Exception):
    status = 403


async def admin_only_middleware(context: Dict[str, Any], state: State) -> Optional[Dict[str, Any]]:
    """Lets a request through only with `x-admin-token: $ADMIN_TOKEN` (default "letmein").

    Return None to continue, a changed context ({"body": ..., "query_params": ...}) to change
    the request, or raise to reject (the exception's numeric `status` picks the HTTP status).
    """
    expected = os.environ.get("ADMIN_TOKEN", "letmein")
    given = context["headers"].get("x-admin-token", "")
    if not hmac.compare_digest(given, expected):
        state.logger.warning("admin_only: rejected", api=context["api_name"])
        raise Forbidden("admin token required")
    return None
