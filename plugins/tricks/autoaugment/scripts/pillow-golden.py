"""Regenerate src/__fixtures__/pillow-golden.json: every AutoAugment operation at every
magnitude bin (and both signs) applied by Pillow to one fixed 7x6 RGB image, with the
operation definitions of antoyang/NAS-Benchmark Augmentation/AutoAugment/autoaugment.py
(rotate: the RGBA-composite fill trick, nearest; shear: bicubic; translate: nearest).
The TypeScript ops must reproduce these bytes exactly.

Usage: python3 scripts/pillow-golden.py > src/__fixtures__/pillow-golden.json  (needs Pillow)
"""
import json
import random

import PIL
from PIL import Image, ImageEnhance, ImageOps

W, H = 7, 6
FILL = (128, 128, 128)
rnd = random.Random(20200101)
pixels = bytes(rnd.randrange(256) for _ in range(W * H * 3))
img = Image.frombytes("RGB", (W, H), pixels)


def linspace(a, b, n=10):
    return [a + (b - a) * i / (n - 1) for i in range(n)]


ranges = {
    "shearX": linspace(0, 0.3), "shearY": linspace(0, 0.3),
    "translateX": linspace(0, 150 / 331), "translateY": linspace(0, 150 / 331),
    "rotate": linspace(0, 30), "color": linspace(0.0, 0.9),
    "posterize": [round(v) for v in linspace(8, 4)], "solarize": linspace(256, 0),
    "contrast": linspace(0.0, 0.9), "sharpness": linspace(0.0, 0.9),
    "brightness": linspace(0.0, 0.9),
    "autocontrast": [0] * 10, "equalize": [0] * 10, "invert": [0] * 10,
}


def rotate_with_fill(im, magnitude):
    rot = im.convert("RGBA").rotate(magnitude)
    return Image.composite(rot, Image.new("RGBA", rot.size, (128,) * 4), rot).convert(im.mode)


func = {
    "shearX": lambda im, m, s: im.transform(im.size, Image.AFFINE, (1, m * s, 0, 0, 1, 0), Image.BICUBIC, fillcolor=FILL),
    "shearY": lambda im, m, s: im.transform(im.size, Image.AFFINE, (1, 0, 0, m * s, 1, 0), Image.BICUBIC, fillcolor=FILL),
    "translateX": lambda im, m, s: im.transform(im.size, Image.AFFINE, (1, 0, m * im.size[0] * s, 0, 1, 0), fillcolor=FILL),
    "translateY": lambda im, m, s: im.transform(im.size, Image.AFFINE, (1, 0, 0, 0, 1, m * im.size[1] * s), fillcolor=FILL),
    "rotate": lambda im, m, s: rotate_with_fill(im, m * s),
    "color": lambda im, m, s: ImageEnhance.Color(im).enhance(1 + m * s),
    "posterize": lambda im, m, s: ImageOps.posterize(im, m),
    "solarize": lambda im, m, s: ImageOps.solarize(im, m),
    "contrast": lambda im, m, s: ImageEnhance.Contrast(im).enhance(1 + m * s),
    "sharpness": lambda im, m, s: ImageEnhance.Sharpness(im).enhance(1 + m * s),
    "brightness": lambda im, m, s: ImageEnhance.Brightness(im).enhance(1 + m * s),
    "autocontrast": lambda im, m, s: ImageOps.autocontrast(im),
    "equalize": lambda im, m, s: ImageOps.equalize(im),
    "invert": lambda im, m, s: ImageOps.invert(im),
}
signed = {"shearX", "shearY", "translateX", "translateY", "rotate", "color", "contrast", "sharpness", "brightness"}

cases = []
for op, mags in ranges.items():
    for b, m in enumerate(mags):
        for s in ([1, -1] if op in signed else [1]):
            cases.append({"op": op, "bin": b, "magnitude": m, "sign": s, "out": func[op](img, m, s).tobytes().hex()})
print(json.dumps({"pillow": PIL.__version__, "width": W, "height": H, "channels": 3, "input": pixels.hex(), "cases": cases}, indent=0))
