# Middleware rate_limit, used by api GetUser (declared in schema/api/user.ro).
# Created once by `rohas codegen`; this file is yours and is never overwritten.
from typing import Any, Dict, Optional

from generated.state import State


async def rate_limit_middleware(context: Dict[str, Any], state: State) -> Optional[Dict[str, Any]]:
    """Return None to continue, a changed context ({"body": ..., "query_params": ...}) to change
    the request, or raise to reject (an exception with a numeric `status` picks the HTTP status;
    otherwise 403)."""
    state.logger.debug("rate_limit middleware", trace_id=context.get("trace_id"))
    return None
