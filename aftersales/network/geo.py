"""Places on the Earth: great-circle distance, unit-sphere coordinates and where China is.

Coordinates are WGS-84 degrees. Lists published by Chinese map services are often in
GCJ-02, a few hundred metres off; stored as given, that offset does not change which
outlets are nearest by more than a few hundred metres.
"""

import math

# Mean Earth radius (IUGG), as used by the haversine formula.
EARTH_RADIUS_KM = 6371.0088

# China's extent with a small margin: Mohe in the north, Zengmu Ansha in the south,
# the Pamirs in the west, the Heixiazi island at the Amur and Ussuri in the east.
CHINA_BOUNDS = (3.4, 53.7, 73.3, 135.2)  # south, north, west, east

# Each province-level division's extent (south, north, west, east), with a margin of
# about a tenth of a degree, by the first two digits of its adcode. Used to refuse coordinates
# that contradict the province a row names (lat and lon swapped, a sign lost, a wrong city).
PROVINCE_BOUNDS: dict[str, tuple[float, float, float, float]] = {
    "11": (39.3, 41.2, 115.3, 117.6),  # 北京
    "12": (38.4, 40.4, 116.6, 118.2),  # 天津
    "13": (35.9, 42.8, 113.3, 120.0),  # 河北
    "14": (34.4, 40.9, 110.1, 114.7),  # 山西
    "15": (37.3, 53.5, 97.0, 126.2),  # 内蒙古
    "21": (38.6, 43.6, 118.7, 125.9),  # 辽宁
    "22": (40.7, 46.4, 121.5, 131.4),  # 吉林
    "23": (43.3, 53.7, 121.0, 135.2),  # 黑龙江
    "31": (30.6, 32.0, 120.7, 122.3),  # 上海
    "32": (30.6, 35.3, 116.2, 122.0),  # 江苏
    "33": (26.9, 31.3, 117.9, 123.3),  # 浙江
    "34": (29.3, 34.8, 114.8, 119.8),  # 安徽
    "35": (23.4, 28.5, 115.7, 120.8),  # 福建
    "36": (24.4, 30.2, 113.5, 118.6),  # 江西
    "37": (34.3, 38.5, 114.7, 122.8),  # 山东
    "41": (31.3, 36.5, 110.3, 116.8),  # 河南
    "42": (28.9, 33.4, 108.2, 116.3),  # 湖北
    "43": (24.5, 30.3, 108.7, 114.4),  # 湖南
    "44": (20.1, 25.7, 109.5, 117.5),  # 广东
    "45": (20.8, 26.5, 104.4, 112.2),  # 广西
    "46": (3.4, 20.3, 108.5, 118.0),  # 海南, with the islands of 三沙
    "50": (28.1, 32.3, 105.2, 110.3),  # 重庆
    "51": (25.9, 34.5, 97.2, 108.7),  # 四川
    "52": (24.5, 29.4, 103.5, 109.7),  # 贵州
    "53": (21.0, 29.4, 97.4, 106.3),  # 云南
    "54": (26.7, 36.6, 78.3, 99.2),  # 西藏
    "61": (31.6, 39.7, 105.4, 111.4),  # 陕西
    "62": (32.5, 42.9, 92.0, 108.8),  # 甘肃
    "63": (31.5, 39.3, 89.3, 103.2),  # 青海
    "64": (35.1, 39.5, 104.2, 107.8),  # 宁夏
    "65": (34.2, 49.3, 73.3, 96.5),  # 新疆
    "71": (21.8, 26.5, 118.1, 122.2),  # 台湾, with Kinmen and Matsu
    "81": (22.1, 22.6, 113.8, 114.5),  # 香港
    "82": (22.0, 22.3, 113.5, 113.7),  # 澳门
}


def within(bounds: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    south, north, west, east = bounds
    return south <= lat <= north and west <= lon <= east


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere: straight-line (chord) distance there grows with great-circle distance."""
    phi, lam = math.radians(lat), math.radians(lon)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(lam), cos_phi * math.sin(lam), math.sin(phi))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres on a sphere of the Earth's mean radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlam = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlam) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_mm(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in whole millimetres."""
    return round(haversine_km(lat1, lon1, lat2, lon2) * 1_000_000)
