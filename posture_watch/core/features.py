"""Posture features of one analysed frame, from pose landmarks in pixels.

Sides are the person's own: MediaPipe labels landmarks anatomically, so the
signs below hold whether or not the camera mirrors the picture. Lengths are
in units of the person's own size (shoulder width in front view, ear-to-
shoulder distance in side view) so they do not change with the camera's
resolution, and they are compared against the user's calibrated neutral,
never against absolute norms.

The view is the camera's place: from the side when the two shoulders nearly
overlap and the face is in profile. Shoulders that overlap while the face
still looks toward the camera are a body turned in front of a front camera.

Front-view features (camera in front of the user):

``head_height``   nose height above the shoulder line / shoulder width.
                  Landmarks 0, 11, 12. Falls as the head sinks forward or down.
``neck_length``   distance from the ear midpoint to the shoulder midpoint /
                  shoulder width. Landmarks 7, 8, 11, 12. Falls with a forward head.
``face_size``     ear-to-ear distance / picture width (fraction). Landmarks
                  7, 8. Grows as the face comes closer to the screen.
``nose_lift``     height of the nose above the ear midpoint / shoulder width.
                  Landmarks 0, 7, 8, 11, 12. Rises as the head tilts back to
                  look up, falls as it nods down.
``nose_rise``     height of the nose above the ear midpoint / the face's height
                  (eye midpoint to mouth midpoint). Landmarks 0, 2, 5, 7, 8, 9,
                  10. Rises as the head tilts back to look up, falls as it nods
                  down. In the face's own units, measured up and down only, so
                  neither the shoulders (an arm raised, the body turned) nor a
                  head turned to one side change it; the face's height
                  shortens as the head pitches, which makes it more sensitive.
``head_roll``     angle of the eye line, degrees, positive when the head tilts
                  toward the right shoulder. Landmarks 2, 5.
``head_yaw``      nose offset from the ear midpoint / ear-to-ear width, positive
                  when the head turns to the right. Landmarks 0, 7, 8.
``shoulder_tilt`` angle of the shoulder line, degrees, positive when the right
                  shoulder is lower. Landmarks 11, 12.
``left_shoulder_elevation`` / ``right_shoulder_elevation``
                  height of that ear above that shoulder / shoulder width.
                  Landmarks 7 and 11, 8 and 12. Falls when that shoulder rises.
``shoulder_span`` shoulder width / ear-to-ear width. Landmarks 7, 8, 11, 12.
                  Leaning back or forward changes both alike; it rises as the
                  head glides back in a chin tuck and falls as the shoulders
                  are drawn back.
``trunk_lean``    angle of the hip-midpoint to shoulder-midpoint line against
                  vertical, degrees, positive leaning right. Landmarks 11, 12,
                  23, 24; only where the hips are visible.
``shoulder_x``/``shoulder_y`` shoulder midpoint as fractions of the picture
                  width and height, x growing to the user's right, y growing
                  down. Landmarks 11, 12.

Side-view features (camera beside the user; the nearer side is used):

``cva``           craniovertebral-angle proxy: the ear-to-shoulder line against
                  the horizontal, degrees. Landmarks 7/8 and 11/12. Smaller with
                  the head forward. Not clinical CVA: MediaPipe has no C7 or tragus.
``head_pitch``    the ear-to-nose line against the horizontal, degrees, positive
                  with the nose above the ear. Landmarks 0, 7/8. Rises as the
                  head tilts back.
``trunk_flexion`` shoulder-to-hip line against vertical, degrees, positive
                  bending forward. Landmarks 11/12 and 23/24, where visible.

Both views:

``head_x``/``head_y`` nose position as fractions of the picture width and
                  height, x growing to the user's right, y growing down. Landmark 0.
``aspect``        picture height / width, so movement across and down can be
                  compared in the same units.
``scale``         the person's size: shoulder width (front) or ear-to-shoulder
                  distance (side) / picture width. Turns positions into
                  movement in body units.
"""

from __future__ import annotations

import math

import numpy as np

NOSE, LEFT_EYE, RIGHT_EYE, LEFT_EAR, RIGHT_EAR, MOUTH_LEFT, MOUTH_RIGHT = 0, 2, 5, 7, 8, 9, 10
LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 11, 12, 23, 24

# Side view when the shoulders are less than this many times as wide as the
# neck is tall: seen from the side the two shoulders nearly overlap.
SIDE_VIEW_RATIO = 0.9
# ... and the face is in profile: the nose this many times further from the ears'
# midpoint, across the picture, than the ears are from each other. Side photos
# measure 1.5-15; a face turned toward the camera from a turned body, 0.6-1.1.
PROFILE_RATIO = 1.25

Features = dict[str, float]


def compute(
    landmarks: np.ndarray | None, width: int, height: int, min_visibility: float = 0.5, view: str = "auto"
) -> tuple[str | None, Features]:
    """(view, features) for one frame; (None, {}) when no usable person is in it.

    ``view`` is "auto", "front" or "side". A feature whose landmarks are not
    visible is left out rather than guessed.
    """
    if landmarks is None or landmarks.shape != (33, 4):
        return None, {}
    usable = np.isfinite(landmarks[:, :2]).all(axis=1) & (landmarks[:, 3] >= min_visibility)
    points = landmarks[:, :2]

    def seen(*ids: int) -> bool:
        return bool(all(usable[i] for i in ids))

    if view == "auto":
        view = _detect_view(points, usable)
        if view is None:
            return None, {}
    if view == "side":
        view, found = _side(points, landmarks[:, 3], width, height, seen)
    elif seen(LEFT_SHOULDER, RIGHT_SHOULDER):
        found = _front(points, width, height, seen)
    else:
        return None, {}
    if found:
        found["aspect"] = height / width
    return view, {k: float(v) for k, v in found.items()}


def _detect_view(points: np.ndarray, usable: np.ndarray) -> str | None:
    shoulders = usable[LEFT_SHOULDER] and usable[RIGHT_SHOULDER]
    ears = [i for i in (LEFT_EAR, RIGHT_EAR) if usable[i]]
    if shoulders and ears:
        shoulder_width = _dist(points[LEFT_SHOULDER], points[RIGHT_SHOULDER])
        shoulder_mid = (points[LEFT_SHOULDER] + points[RIGHT_SHOULDER]) / 2
        ear = points[ears].mean(axis=0)
        # The whole ear-to-shoulder distance, not only its height: hunched over a desk the
        # head comes down level with the shoulders, seen from the side all the same.
        neck = max(_dist(shoulder_mid, ear), 1e-6)
        if shoulder_width >= SIDE_VIEW_RATIO * neck:
            return "front"
        # Shoulders overlap also when the body turns in front of a front camera; the face
        # then still looks toward the camera (the screen), and the camera is in front.
        return "front" if _face_toward_camera(points, usable) else "side"
    if shoulders:
        return "front"
    if any(usable[[LEFT_SHOULDER, RIGHT_SHOULDER]]) and ears:
        return "side"
    return None


def _face_toward_camera(points: np.ndarray, usable: np.ndarray) -> bool:
    """Whether the face is seen from the front or three-quarters rather than in profile."""
    if not (usable[NOSE] and usable[LEFT_EAR] and usable[RIGHT_EAR]):
        return False  # an ear hidden behind the head: a profile
    spread = abs(points[LEFT_EAR][0] - points[RIGHT_EAR][0])
    offset = abs(points[NOSE][0] - (points[LEFT_EAR][0] + points[RIGHT_EAR][0]) / 2)
    return offset < PROFILE_RATIO * spread


def _front(p: np.ndarray, width: int, height: int, seen) -> Features:
    ls, rs = p[LEFT_SHOULDER], p[RIGHT_SHOULDER]
    sw = max(_dist(ls, rs), 1e-6)
    mid = (ls + rs) / 2
    # +1 when the person's left is on the picture's right (an unmirrored camera).
    facing = 1.0 if ls[0] >= rs[0] else -1.0
    f: Features = {
        "shoulder_tilt": _tilt(rs, ls),
        "scale": sw / width,
        "shoulder_x": _across(mid[0], width, facing),
        "shoulder_y": mid[1] / height,
    }
    if seen(NOSE):
        f["head_height"] = (mid[1] - p[NOSE][1]) / sw
        f["head_x"] = _across(p[NOSE][0], width, facing)
        f["head_y"] = p[NOSE][1] / height
    if seen(LEFT_EAR, RIGHT_EAR):
        le, re_ = p[LEFT_EAR], p[RIGHT_EAR]
        ear_mid = (le + re_) / 2
        ear_width = _dist(le, re_)
        f["neck_length"] = _dist(ear_mid, mid) / sw
        f["face_size"] = ear_width / width
        f["shoulder_span"] = sw / max(ear_width, 1e-6)
        if seen(NOSE):
            f["nose_lift"] = (ear_mid[1] - p[NOSE][1]) / sw
        if seen(NOSE, LEFT_EYE, RIGHT_EYE, MOUTH_LEFT, MOUTH_RIGHT):
            face = (p[MOUTH_LEFT][1] + p[MOUTH_RIGHT][1] - p[LEFT_EYE][1] - p[RIGHT_EYE][1]) / 2
            if face > 1e-6:
                f["nose_rise"] = (ear_mid[1] - p[NOSE][1]) / face
        f["left_shoulder_elevation"] = (ls[1] - le[1]) / sw
        f["right_shoulder_elevation"] = (rs[1] - re_[1]) / sw
        if seen(NOSE) and abs(le[0] - re_[0]) > 1e-6:
            f["head_yaw"] = (ear_mid[0] - p[NOSE][0]) / (le[0] - re_[0])
    if seen(LEFT_EYE, RIGHT_EYE):
        f["head_roll"] = _tilt(p[RIGHT_EYE], p[LEFT_EYE])
    if seen(LEFT_HIP, RIGHT_HIP):
        hip = (p[LEFT_HIP] + p[RIGHT_HIP]) / 2
        f["trunk_lean"] = math.degrees(math.atan2(-(mid[0] - hip[0]) * facing, hip[1] - mid[1]))
    return f


def _side(p: np.ndarray, visibility: np.ndarray, width: int, height: int, seen) -> tuple[str | None, Features]:
    # Use the side nearer the camera: its ear and shoulder are the more visible.
    sides = [(LEFT_EAR, LEFT_SHOULDER, LEFT_HIP), (RIGHT_EAR, RIGHT_SHOULDER, RIGHT_HIP)]
    sides = [s for s in sides if seen(s[0], s[1])]
    if not sides:
        return None, {}
    ear_i, shoulder_i, hip_i = max(sides, key=lambda s: visibility[s[0]] + visibility[s[1]])
    ear, shoulder = p[ear_i], p[shoulder_i]
    scale = max(_dist(ear, shoulder), 1e-6)
    # Which way the person faces in the picture: the nose is ahead of the ear.
    forward = 1.0 if not seen(NOSE) or p[NOSE][0] >= ear[0] else -1.0
    f: Features = {"cva": math.degrees(math.atan2(shoulder[1] - ear[1], abs(ear[0] - shoulder[0])))}
    if (ear[0] - shoulder[0]) * forward < 0:
        # Ear behind the shoulder: the angle passes vertical.
        f["cva"] = 180.0 - f["cva"]
    if seen(hip_i):
        hip = p[hip_i]
        f["trunk_flexion"] = math.degrees(math.atan2((shoulder[0] - hip[0]) * forward, hip[1] - shoulder[1]))
    f["scale"] = scale / width
    if seen(NOSE):
        # Ear to nose against the horizontal: rises as the head tilts back to look up.
        f["head_pitch"] = math.degrees(math.atan2(ear[1] - p[NOSE][1], abs(p[NOSE][0] - ear[0])))
        f["head_x"] = p[NOSE][0] / width
        f["head_y"] = p[NOSE][1] / height
    return "side", f


def _across(x: float, width: int, facing: float) -> float:
    """Position across the picture as a fraction of its width, growing toward the user's right."""
    return (0.5 - x / width) * facing + 0.5


def _tilt(right: np.ndarray, left: np.ndarray) -> float:
    """Angle in degrees of the line from a right point to a left one, positive when the right is lower."""
    return math.degrees(math.atan2(right[1] - left[1], abs(left[0] - right[0])))


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(math.hypot(*(a - b)))
