"""A simulated call-centre system: posts calls the way a real one does (docs/channels.md).

Used by the tests (with Django's test client) and by the demo seed. `tone_wav` makes a small
valid WAV recording (a sine tone, 8 kHz mono 16-bit, as telephone recordings are).
"""

import io
import math
import struct
import wave
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from aftersales.intake.channels.hotline.api import SECRET_HEADER, SYSTEM_HEADER

CALLS_PATH = "/api/v1/channels/hotline/calls"


class _Poster(Protocol):
    def post(self, path: str, data: Any = ..., **extra: Any) -> Any: ...


def tone_wav(*, seconds: float = 1.0, frequency: float = 440.0, rate: int = 8000) -> bytes:
    """A WAV file of a sine tone: `seconds` long at `frequency` Hz, `rate` samples per second."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
            for i in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


@dataclass
class CallCentreClient:
    """Posts to the platform as call-centre system `system` with its `secret`, through `http`
    (Django's test Client, or anything with the same `post`)."""

    http: _Poster
    system: str
    secret: str
    headers: dict[str, str] = field(default_factory=dict)

    def _auth(self) -> dict[str, str]:
        return {
            "HTTP_" + SYSTEM_HEADER.upper().replace("-", "_"): self.system,
            "HTTP_" + SECRET_HEADER.upper().replace("-", "_"): self.secret,
        }

    def push_call(
        self,
        *,
        call_id: str,
        started_at: datetime,
        ended_at: datetime,
        direction: str = "inbound",
        recording: bytes | None = None,
        recording_name: str = "recording.wav",
        **fields: str,
    ) -> Any:
        """POST one call (multipart/form-data); extra keyword fields go as form fields."""
        data: dict[str, Any] = {
            "call_id": call_id,
            "direction": direction,
            "started_at": started_at.isoformat(),
            "ended_at": ended_at.isoformat(),
            **fields,
        }
        if recording is not None:
            upload = io.BytesIO(recording)
            upload.name = recording_name
            data["recording"] = upload
        return self.http.post(CALLS_PATH, data, **self._auth())

    def push_recording(self, *, call_id: str, recording: bytes, recording_name: str = "recording.wav") -> Any:
        """POST the recording of a call pushed before without one."""
        upload = io.BytesIO(recording)
        upload.name = recording_name
        return self.http.post(f"{CALLS_PATH}/{call_id}/recording", {"recording": upload}, **self._auth())
