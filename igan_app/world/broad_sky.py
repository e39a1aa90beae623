"""The broad world's skies and light: saturated sunsets, night, blue hour, harsh midday, textured
overcast and storms, next to the classic world's sky.

A style draws a `SkyLook` (its colours, clouds, stars, moon) and sets the scene's `time`,
`weather` and sun to the nearest classic values, so that kinds of land which read them still
paint something sensible; the land itself is lit by `sky_light`, so a night scene's land is dark
whatever kind it is. Colours are linear-ish RGB in 0..1, as in world/light.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from igan_app.world import clouds as cl
from igan_app.world.canvas import Canvas
from igan_app.world.light import Light, rgb, scene_light
from igan_app.world.noise import smoothstep
from igan_app.world.palette import label_id
from igan_app.world.scene import Scene
from igan_app.world.sky import paint_clouds as paint_classic_clouds
from igan_app.world.sky import paint_sky as paint_classic_sky

SKY = label_id("sky")
Color = tuple[float, float, float]


@dataclass(frozen=True)
class SkyLook:
    zenith: Color  # sky colour high above the horizon
    middle: Color  # a third stop partway up: a sunset is violet above and orange below
    horizon: Color
    glow: Color  # halo around the sun (or the moon) and along the horizon beneath it
    sun: Color  # direct light on the land (moonlight at night)
    ambient: Color  # light from the sky dome
    lit: Color  # the lit side of clouds: white tops by day, orange or pink bellies at sunset
    shade: Color  # the shaded side of clouds
    layers: tuple[cl.Layer, ...]  # cloud layers, high to low
    under: float  # 0: clouds are lit from above (day) .. 1: from below (the sun under them)
    sky_fog: float  # the depth fog sees the sky at: small keeps the sky's colours saturated
    stars: float  # 0: none .. 1: a dark country sky's worth
    moon: tuple[float, float, float] | None  # x (0..1 across), height above horizon, radius
    moon_ring: bool  # a ring halo around the moon, as through thin cloud


def _vary(rng: np.random.Generator, color: Color, amount: float) -> Color:
    """`color` with each channel scaled by its own factor in 1 ± amount: shifts hue a little."""
    scaled = np.asarray(color) * rng.uniform(1.0 - amount, 1.0 + amount, 3)
    return tuple(float(c) for c in np.clip(scaled, 0.0, 1.6))


def _pick(rng: np.random.Generator, colors: tuple[Color, ...]) -> Color:
    return colors[int(rng.integers(len(colors)))]


def _mix(a: Color, b: Color, t: float) -> Color:
    return tuple(float(x + (y - x) * t) for x, y in zip(a, b))


def _day(rng: np.random.Generator, scene: Scene, *, harsh: bool) -> tuple[Scene, SkyLook]:
    """A clear or fair-weather day; `harsh`: midday, a deep sky and hard shadows."""
    deep = rng.uniform(0.0, 1.0) if not harsh else rng.uniform(0.6, 1.0)
    zenith = _mix((0.36, 0.56, 0.86), (0.06, 0.24, 0.70), deep)
    horizon = _vary(rng, _pick(rng, ((0.70, 0.82, 0.95), (0.80, 0.86, 0.92), (0.62, 0.76, 0.92))), 0.04)
    layers = cl.sample_layers(rng, ("cumulus", "cumulus", "cirrus", "stratus", "cirrus+cumulus", "none"))
    look = SkyLook(
        zenith=zenith, middle=_mix(zenith, horizon, 0.45), horizon=horizon,
        glow=(0.40, 0.38, 0.30), sun=(1.25, 1.2, 1.1) if harsh else (1.05, 1.0, 0.92),
        ambient=(0.36, 0.44, 0.62) if harsh else (0.50, 0.57, 0.70),
        lit=(1.0, 0.99, 0.97), shade=_vary(rng, (0.55, 0.58, 0.66), 0.08), layers=layers,
        under=0.0, sky_fog=float(rng.uniform(6.0, 16.0)), stars=0.0, moon=None, moon_ring=False)
    sun_y = rng.uniform(0.55, 1.2) if harsh else rng.uniform(0.15, 0.6)
    return replace(scene, time="day", weather="clear", sun_y=float(sun_y)), look


def _sunset(rng: np.random.Generator, scene: Scene) -> tuple[Scene, SkyLook]:
    """A saturated sunrise or sunset: violet above, orange at the horizon, lit cloud bellies."""
    belly = _vary(rng, _pick(rng, ((1.0, 0.50, 0.18), (1.0, 0.42, 0.42), (0.92, 0.30, 0.55),
                                   (1.0, 0.68, 0.28), (0.92, 0.26, 0.12))), 0.08)
    zenith = _vary(rng, _pick(rng, ((0.10, 0.12, 0.32), (0.20, 0.14, 0.34), (0.14, 0.28, 0.50),
                                    (0.30, 0.36, 0.58))), 0.1)
    horizon = _vary(rng, _pick(rng, ((1.0, 0.62, 0.26), (1.0, 0.76, 0.42), (0.96, 0.46, 0.30),
                                     (1.0, 0.84, 0.60))), 0.06)
    middle = _mix(_mix(zenith, belly, 0.6), (0.75, 0.35, 0.5), rng.uniform(0.0, 0.5))
    dim = rng.uniform(0.5, 1.1)  # how dark the land is: often a silhouette
    layers = cl.sample_layers(rng, ("cumulus", "stratus", "cirrus", "cirrus+cumulus", "stratus",
                                    "altocumulus"), cover=(0.3, 0.85))
    look = SkyLook(
        zenith=zenith, middle=middle, horizon=horizon, glow=_mix(belly, horizon, 0.5),
        sun=tuple(c * dim for c in (1.05, 0.55, 0.28)), ambient=tuple(c * dim for c in (0.26, 0.2, 0.3)),
        lit=belly, shade=_vary(rng, (0.16, 0.13, 0.26), 0.15), layers=layers,
        under=float(rng.uniform(0.7, 1.0)), sky_fog=float(rng.uniform(3.0, 10.0)),
        stars=0.0, moon=None, moon_ring=False)
    weather = "fog" if rng.random() < 0.12 else "clear"
    sun_y = rng.uniform(-0.05, 0.05)
    time = "golden" if sun_y > 0.0 else "dusk"
    return replace(scene, time=time, weather=weather, sun_y=float(sun_y)), look


def _night(rng: np.random.Generator, scene: Scene) -> tuple[Scene, SkyLook]:
    """Night: a dark blue sky, stars, often a moon; the land nearly black in cool light."""
    moonlit = rng.random() < 0.65
    moon = None
    if moonlit:
        moon = (float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.08, 0.45)),
                float(rng.uniform(0.010, 0.03)))
    bright = rng.uniform(0.6, 1.4) * (1.3 if moonlit else 1.0)
    zenith = tuple(c * bright for c in _vary(rng, (0.02, 0.04, 0.12), 0.2))
    horizon = tuple(c * bright for c in _vary(rng, _pick(rng, ((0.08, 0.12, 0.26), (0.14, 0.12, 0.22),
                                                               (0.06, 0.13, 0.24))), 0.15))
    layers = cl.sample_layers(rng, ("none", "none", "cumulus", "stratus", "cirrus"), cover=(0.1, 0.6))
    moonlight = 0.25 if moonlit else 0.05
    look = SkyLook(
        zenith=zenith, middle=_mix(zenith, horizon, 0.5), horizon=horizon,
        glow=(0.20, 0.22, 0.26) if moonlit else (0.0, 0.0, 0.0),
        sun=(moonlight * 0.8, moonlight * 0.9, moonlight * 1.1),
        ambient=tuple(c * bright for c in (0.06, 0.08, 0.16)),
        lit=(0.30, 0.32, 0.38) if moonlit else (0.07, 0.08, 0.11), shade=(0.02, 0.025, 0.04),
        layers=layers, under=0.0, sky_fog=1.0, stars=float(rng.uniform(0.3, 1.0)),
        moon=moon, moon_ring=bool(moonlit and rng.random() < 0.35))
    sun_x = moon[0] if moon else scene.sun_x
    return replace(scene, time="dusk", weather="clear", sun_x=float(sun_x), sun_y=-0.5), look


def _blue_hour(rng: np.random.Generator, scene: Scene) -> tuple[Scene, SkyLook]:
    """Just before sunrise or after sunset: deep blue above, pale or pink at the horizon."""
    zenith = _vary(rng, (0.06, 0.12, 0.34), 0.15)
    horizon = _vary(rng, _pick(rng, ((0.55, 0.55, 0.72), (0.75, 0.52, 0.55), (0.45, 0.58, 0.75))), 0.08)
    look = SkyLook(
        zenith=zenith, middle=_mix(zenith, (0.25, 0.32, 0.6), 0.5), horizon=horizon,
        glow=_mix(horizon, (0.6, 0.35, 0.3), 0.5), sun=(0.06, 0.06, 0.1), ambient=(0.24, 0.28, 0.46),
        lit=_mix(horizon, (0.9, 0.6, 0.6), 0.3), shade=(0.10, 0.12, 0.25),
        layers=cl.sample_layers(rng, ("none", "cirrus", "stratus", "cumulus"), cover=(0.2, 0.6)),
        under=0.8, sky_fog=float(rng.uniform(2.0, 8.0)), stars=float(rng.uniform(0.0, 0.25)),
        moon=None, moon_ring=False)
    weather = "fog" if rng.random() < 0.15 else "clear"
    return replace(scene, time="dusk", weather=weather, sun_y=float(rng.uniform(-0.2, -0.08))), look


def _overcast(rng: np.random.Generator, scene: Scene, *, storm: bool) -> tuple[Scene, SkyLook]:
    """A textured deck of cloud; `storm`: dark and heavy, paler or lit along the horizon."""
    grey = rng.uniform(0.55, 0.85) if not storm else rng.uniform(0.18, 0.38)
    tone = _vary(rng, (grey * 0.97, grey, grey * 1.06), 0.05)
    horizon = _mix(tone, _pick(rng, ((0.85, 0.86, 0.88), (0.95, 0.80, 0.60), (0.60, 0.66, 0.72))),
                   rng.uniform(0.3, 0.8) if storm else rng.uniform(0.1, 0.4))
    kind = "storm" if storm else str(rng.choice(["deck", "deck", "stratus"]))
    light = rng.uniform(0.5, 1.0)
    look = SkyLook(
        zenith=tuple(c * 0.85 for c in tone), middle=tone, horizon=horizon, glow=(0.2, 0.18, 0.14),
        sun=tuple(c * light for c in (0.35, 0.34, 0.32)) if not storm else (0.25, 0.22, 0.18),
        ambient=tuple(c * (0.5 + 0.6 * grey) for c in (0.62, 0.65, 0.70)),
        lit=_mix(tone, (1.0, 1.0, 1.0), 0.35), shade=tuple(c * (0.45 if storm else 0.7) for c in tone),
        layers=(cl.sample_layer(rng, kind, cover=(0.85, 1.0)),), under=0.0,
        sky_fog=float(rng.uniform(8.0, 20.0)), stars=0.0, moon=None, moon_ring=False)
    time = "day" if rng.random() < 0.75 else "golden"
    return replace(scene, time=time, weather="overcast", sun_y=float(rng.uniform(0.05, 0.4))), look


# The broad world draws a style by these weights; "classic" is the classic world's sky and light.
STYLES: dict[str, float] = {
    "classic": 0.26, "day": 0.19, "midday": 0.09, "sunset": 0.15, "night": 0.06,
    "blue_hour": 0.06, "overcast": 0.11, "storm": 0.08,
}
_SAMPLERS = {
    "day": lambda rng, s: _day(rng, s, harsh=False),
    "midday": lambda rng, s: _day(rng, s, harsh=True),
    "sunset": _sunset, "night": _night, "blue_hour": _blue_hour,
    "overcast": lambda rng, s: _overcast(rng, s, storm=False),
    "storm": lambda rng, s: _overcast(rng, s, storm=True),
}


def sample_sky(rng: np.random.Generator, scene: Scene, style: str | None = None) -> Scene:
    """`scene` with a sky style drawn by STYLES' weights (or the given one) and its look."""
    names = list(STYLES)
    weights = np.array([STYLES[n] for n in names], np.float64)
    drawn = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    style = style or drawn
    if style not in STYLES:
        raise ValueError(f"unknown sky style {style!r}; choose one of {', '.join(STYLES)}")
    if style == "classic":
        return replace(scene, sky="classic")
    scene, look = _SAMPLERS[style](rng, scene)
    return replace(scene, sky=style, sky_look=look)


def sky_light(scene: Scene) -> Light:
    """The light of the scene's sky style (the classic world's for "classic")."""
    look = scene.sky_look
    if scene.sky == "classic" or look is None:
        return scene_light(scene)
    fog_density = 0.012 + 0.02 * scene.haze
    horizon = rgb(*look.horizon)
    fog = horizon * np.float32(0.9)
    if scene.weather == "overcast":
        fog_density *= 1.6
    elif scene.weather == "fog":
        fog_density = 0.09 + 0.12 * scene.haze
        fog = horizon * np.float32(0.6) + rgb(*look.ambient) * np.float32(0.6)
    return Light(sky_top=rgb(*look.zenith), sky_horizon=horizon, sun=rgb(*look.sun),
                 ambient=rgb(*look.ambient), glow=rgb(*look.glow), fog=fog,
                 fog_density=float(fog_density), sun_dir=1.0 if scene.sun_x >= 0.5 else -1.0)


def sky_fog_depth(scene: Scene) -> float:
    """The depth the fog treats the sky as being at (the classic world's sky is SKY_DEPTH away)."""
    look = scene.sky_look
    return 60.0 if scene.sky == "classic" or look is None else look.sky_fog


def paint_sky(cv: Canvas, rng: np.random.Generator) -> None:
    """The sky and its clouds, in the scene's style."""
    look = cv.scene.sky_look
    if cv.scene.sky == "classic" or look is None:
        paint_classic_sky(cv, rng)
        paint_classic_clouds(cv, rng)
        return
    _paint_gradient(cv, look)
    if look.stars > 0:
        _paint_stars(cv, rng, look.stars)
    if look.moon is not None:
        _paint_moon(cv, look)
    for layer in look.layers:
        cl.paint_layer(cv, rng, layer, lit=rgb(*look.lit), shade=rgb(*look.shade), under=look.under)


def _paint_gradient(cv: Canvas, look: SkyLook) -> None:
    s = cv.scene
    band = cv.band(0.0, s.horizon + 0.05)
    # By angle above the horizon, not by row: a frame tilted up shows more of the zenith's colour.
    a = np.maximum(np.float32(s.horizon) - band.v, 0.0)
    low = smoothstep(0.0, 0.22, a)
    high = smoothstep(0.15, 0.75, a)
    zenith, middle, horizon = rgb(*look.zenith), rgb(*look.middle), rgb(*look.horizon)
    color = horizon + (middle - horizon) * low
    color = color + (zenith - color) * high
    du = cv.u[None, :] - np.float32(s.sun_x * cv.aspect)
    dv = band.v - np.float32(s.horizon - s.sun_y)
    d = np.sqrt(du * du + dv * dv)
    glow = rgb(*look.glow)
    halo = np.exp(-d * np.float32(1.0 / 0.2)) * np.float32(0.7)
    # The light pools along the horizon under the sun: wide and strong at sunset.
    halo = halo + np.exp(-a * np.float32(1.0 / 0.1)) * np.exp(-du * du * np.float32(1.5)) * np.float32(0.5)
    color = color + glow * halo
    if s.weather == "clear" and s.sun_y > -0.01:
        disc = smoothstep(0.026, 0.019, d)
        sun = rgb(1.3, 1.2, 1.0) if s.sun_y > 0.1 else rgb(1.3, 0.95, 0.6)
        color = color + (sun - color) * disc
    cv.rgb[:, band.rows] = color
    cv.labels[band.rows] = SKY


def _paint_stars(cv: Canvas, rng: np.random.Generator, amount: float) -> None:
    """Points of light, fainter towards the horizon; as many at every size, so the scene is one."""
    s = cv.scene
    n = int(700 * amount * cv.aspect)
    x = rng.uniform(0.0, 1.0, n)
    y = rng.uniform(0.0, 1.0, n) ** 1.3 * s.horizon  # thinner low down, where the air is thicker
    bright = rng.uniform(0.0, 1.0, n) ** 4 * 0.9 + 0.12
    bright *= np.clip((s.horizon - y) / 0.15, 0.0, 1.0)
    cols = np.minimum((x * cv.w).astype(np.intp), cv.w - 1)
    rows = np.minimum((y * cv.h).astype(np.intp), cv.h - 1)
    sky = cv.labels[rows, cols] == SKY
    tint = np.array([0.95, 0.97, 1.0], np.float32)[:, None]
    cv.rgb[:, rows[sky], cols[sky]] += tint * bright[sky].astype(np.float32)


def _paint_moon(cv: Canvas, look: SkyLook) -> None:
    s = cv.scene
    mx, my, radius = look.moon
    band = cv.band(0.0, s.horizon)
    du = cv.u[None, :] - np.float32(mx * cv.aspect)
    dv = band.v - np.float32(s.horizon - my)
    d = np.sqrt(du * du + dv * dv)
    glow = rgb(0.55, 0.6, 0.7) * (np.exp(-d * np.float32(1.0 / (radius * 4.0))) * np.float32(0.35)
                                  + np.exp(-d * np.float32(1.0 / 0.25)) * np.float32(0.1))
    if look.moon_ring:  # the 22° halo: about 0.4 image heights across at an ordinary lens
        glow = glow + rgb(0.5, 0.55, 0.6) * (np.exp(-((d - 0.2) * np.float32(1.0 / 0.02)) ** 2)
                                             * np.float32(0.12))
    rows = cv.rgb[:, band.rows]
    rows += glow
    disc = smoothstep(radius * 1.1, radius * 0.8, d)
    rows += (rgb(0.95, 0.94, 0.86) - rows) * disc
