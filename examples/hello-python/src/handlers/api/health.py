from datetime import datetime, timezone

from generated.api.health import HealthResponse as HealthApiResponse
from generated.dto.health_response import HealthResponse
from store import count_users


async def handle_health() -> HealthApiResponse:
    return HealthApiResponse(
        data=HealthResponse(status="ok", timestamp=datetime.now(timezone.utc).isoformat(), users=count_users())
    )
