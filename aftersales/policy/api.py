from django.http import HttpRequest
from ninja import Router

from aftersales.policy.pack import current_pack

router = Router(tags=["policy"])


@router.get("", auth=None)
def public_policy(request: HttpRequest) -> dict:
    """Channels, categories, priorities and response levels, for forms and integrations."""
    pack = current_pack()
    return {
        "brand": pack.brand_name,
        "hotline": pack.hotline,
        "channels": pack.channels,
        "categories": pack.categories,
        "priorities": {str(k): v for k, v in pack.priorities.items()},
        "levels": {
            code: {
                "labels": level.labels,
                "respond_within_minutes": int(level.respond_within.total_seconds() // 60),
            }
            for code, level in pack.levels.items()
        },
        # Every complaint's first human response, whatever its level.
        "first_response_within_minutes": int(pack.first_response.respond_within.total_seconds() // 60),
        "text_limit": pack.text_limit,
    }
