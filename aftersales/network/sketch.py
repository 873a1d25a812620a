"""A sketch map of the finder's results, drawn on the server as SVG coordinates: no tile
service, no script, nothing loaded from elsewhere.

Points are projected equirectangularly around the middle of their extent (east-west
kilometres shrink with the cosine of the latitude), which at a city's scale is within a
fraction of a percent of the true shape. The sketch fits every point inside the frame with
the same scale on both axes, north up, and carries a scale bar in kilometres.
"""

import math
from dataclasses import dataclass

# Kilometres per degree of latitude, and of longitude at the equator (WGS-84, mean).
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON = 111.320
# Points closer together than this still get a frame this wide (km): one outlet next door
# is not drawn at the scale of a room.
MIN_SPAN_KM = 1.0
_NICE = (1, 2, 5)


@dataclass(frozen=True)
class SketchPoint:
    x: float
    y: float
    label: str
    title: str


@dataclass(frozen=True)
class Sketch:
    """An SVG frame `width` x `height` px; `customer` is None when the customer's place is unknown.
    The scale bar is `scale_px` pixels long and stands for `scale_km` kilometres."""

    width: int
    height: int
    customer: SketchPoint | None
    outlets: tuple[SketchPoint, ...]
    scale_km: float
    scale_px: float

    @property
    def scale_text(self) -> str:
        return f"{self.scale_km:g} km" if self.scale_km >= 1 else f"{round(self.scale_km * 1000)} m"


def nice_length(km: float) -> float:
    """The largest 1, 2 or 5 x 10^n kilometres not above `km` (> 0)."""
    power = 10 ** math.floor(math.log10(km))
    return max(n * power for n in _NICE if n * power <= km)


def sketch_map(
    *,
    customer: tuple[float, float] | None,
    outlets: list[tuple[float, float, str, str]],
    customer_title: str = "",
    width: int = 360,
    height: int = 260,
    margin: int = 22,
) -> Sketch | None:
    """The sketch of `outlets` ((lat, lon, label, title), degrees) around `customer` (lat, lon);
    None when there is nothing to draw."""
    places = [(lat, lon) for lat, lon, _label, _title in outlets]
    if customer is not None:
        places.append(customer)
    if not places:
        return None
    lats = [lat for lat, _ in places]
    lons = [lon for _, lon in places]
    mid_lat = (min(lats) + max(lats)) / 2
    mid_lon = (min(lons) + max(lons)) / 2
    km_per_lon = KM_PER_DEGREE_LON * math.cos(math.radians(mid_lat))

    def km(lat: float, lon: float) -> tuple[float, float]:
        return (lon - mid_lon) * km_per_lon, (lat - mid_lat) * KM_PER_DEGREE_LAT

    projected = [km(lat, lon) for lat, lon in places]
    span_x = max(max(abs(x) for x, _ in projected) * 2, MIN_SPAN_KM)
    span_y = max(max(abs(y) for _, y in projected) * 2, MIN_SPAN_KM)
    px_per_km = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)

    def point(lat: float, lon: float, label: str, title: str) -> SketchPoint:
        x, y = km(lat, lon)
        return SketchPoint(
            round(width / 2 + x * px_per_km, 1), round(height / 2 - y * px_per_km, 1), label, title
        )

    scale_km = nice_length((width - 2 * margin) / 4 / px_per_km)
    return Sketch(
        width=width,
        height=height,
        customer=point(*customer, "", customer_title) if customer is not None else None,
        outlets=tuple(point(lat, lon, label, title) for lat, lon, label, title in outlets),
        scale_km=scale_km,
        scale_px=round(scale_km * px_per_km, 1),
    )
