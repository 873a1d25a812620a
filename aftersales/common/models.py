from django.db import models


def fill_missing(instance: models.Model, values: dict[str, object]) -> list[str]:
    """Set each given value on `instance` where the field is still empty; return the fields changed.

    Used where a later contact tells us more about a known customer or device: what we
    already know is never overwritten by what a form says.
    """
    changed = []
    for field, value in values.items():
        if value and not getattr(instance, field):
            setattr(instance, field, value)
            changed.append(field)
    return changed
