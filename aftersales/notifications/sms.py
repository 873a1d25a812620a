"""The SMS gateway: the edge of the world we cannot reach from here.

The default gateway writes the text to the log (the demo prints sign-in codes to the
console); a deployment plugs in its provider by setting AFTERSALES_SMS_GATEWAY to a
dotted path of a callable(phone, text).
"""

import logging
import os
from collections.abc import Callable

from django.utils.module_loading import import_string

log = logging.getLogger("aftersales.sms")


def console_gateway(phone: str, text: str) -> None:
    # Logged at WARNING so that it shows on the demo's console (the "aftersales" logger's handler).
    log.warning("SMS to %s: %s", phone, text)


def gateway() -> Callable[[str, str], None]:
    path = os.environ.get("AFTERSALES_SMS_GATEWAY")
    return import_string(path) if path else console_gateway
