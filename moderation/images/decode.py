"""Safe decoding of uploaded photos.

Formats are allowed by content, never by file name: Pillow is told which
decoders it may try, so a GIF or TIFF renamed ``.jpg`` is refused before any
other parser touches it. Size and pixel limits are checked on the header,
before a single pixel is decoded, so a decompression bomb costs nothing.

Photos are decoded to the size that is checked and published: at most
``Limits.max_side`` pixels on the long side. A larger JPEG is decoded at 1/2,
1/4 or 1/8 scale by libjpeg itself (Pillow's ``draft``), never below half that
side; other formats are decoded whole and then reduced by a whole factor. ``decode_cost``
says, from the header alone, how many pixels decoding will take, so a draft's
photos can be refused together before any of them is decoded
(``moderation.images.budget``).

The decoded image is new, made from pixels only: nothing the file carried
besides pixels (EXIF, XMP, comments, text chunks, the uploader's colour
profile) is attached to it. Its colours are converted to sRGB with the upload's
ICC profile, and ``icc_profile`` is then our own sRGB profile, never bytes from
the upload.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageCms

from moderation.images.metadata import found_metadata

#: Pillow format names that may be decoded; HEIF covers .heic/.heif from phones.
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF")
FORMAT_LABEL = "JPEG, PNG, WebP or HEIC"

# Only used to name a refused file in the message; these bytes are never decoded.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"<svg", "SVG"),
    (b"<?xml", "XML/SVG"),
    (b"\x00\x00\x01\x00", "ICO"),
)

# What Pillow raises on a damaged file varies by decoder; all of them mean "corrupt".
_CORRUPT_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error)


class ImageRejected(ValueError):
    """An upload that cannot be checked; ``rule`` and ``suggestion`` feed the finding."""

    def __init__(self, rule: str, message: str, suggestion: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    max_pixels: int  # per file, from its header: more is refused before decoding
    max_side: int = 4096  # long side of the copy that is checked and published


# A JPEG is decoded at a reduced scale only while its long side stays at least this
# share of ``max_side``: with 4096, a 48- or 24-megapixel photo is decoded at half size.
_MIN_DRAFT_SHARE = 0.5
_ORIENTATION = 0x0112
# Each EXIF orientation as the transpositions that make the image upright.
_UPRIGHT: dict[int, tuple[Image.Transpose, ...]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


@dataclass(frozen=True, slots=True, eq=False)
class DecodedImage:
    """The upload's pixels, orientation applied, plus what the file carried besides."""

    image: Image.Image  # mode RGB or RGBA, upright, sRGB, made from pixels only
    format: str
    icc_profile: bytes | None  # our sRGB profile when the upload had one, else None
    metadata: tuple[str, ...] = ()  # what the file carried besides pixels (not kept)
    gps: bool = False  # the file said where it was taken

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    def rgb(self) -> np.ndarray:
        """H×W×3 uint8, transparency flattened onto white (what a viewer would see)."""
        if self.image.mode == "RGB":
            return np.asarray(self.image)
        background = Image.new("RGB", self.image.size, (255, 255, 255))
        background.paste(self.image, mask=self.image.getchannel("A"))
        return np.asarray(background)


@cache
def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()


def decode(data: bytes, limits: Limits, name: str = "image") -> DecodedImage:
    """Decode an upload or raise ``ImageRejected`` saying what is wrong and what to do."""
    source = _opened(data, limits, name)
    fmt = str(source.format)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            source.load()
            metadata, gps = found_metadata(source)
            orientation = source.getexif().get(_ORIENTATION)
            image, icc = _to_rgb(source)
            image = _fitted(image, limits.max_side)
            if image is not source:
                source.close()  # the full-size pixels are not needed any more
            image, icc = _to_srgb(_upright(image, orientation), icc)
    except _CORRUPT_ERRORS as exc:
        raise _corrupt(name, exc) from exc
    return DecodedImage(pixels_only(image), fmt, icc, metadata, gps)


def decode_cost(data: bytes, limits: Limits, name: str = "image") -> int:
    """How many pixels ``decode`` will decode, read from the header alone.

    Raises ``ImageRejected`` as ``decode`` would for a file refused on its header.
    """
    with _opened(data, limits, name) as image:
        return image.width * image.height


def pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding ``image``'s pixels and nothing else (no info, EXIF or text)."""
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image, (0, 0))
    return fresh


def _opened(data: bytes, limits: Limits, name: str) -> Image.Image:
    """The upload opened lazily, every header check passed, a JPEG set to decode reduced."""
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            "image.too-large",
            f"{name} is {len(data) / 1e6:.1f} MB; the limit is {limits.max_bytes / 1e6:.0f} MB.",
            "Export a smaller copy (e.g. 'Most compatible' or a 4000-pixel JPEG) and attach that.",
        )
    _register_heif()
    source = _open(data, name)
    _check_pixels(source, limits, name)
    _check_single_frame(source, name)
    if source.format == "JPEG":
        _reduce_jpeg(source, limits.max_side)
    return source


def _reduce_jpeg(image: Image.Image, max_side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the long side stays large enough."""
    long_side = max(image.size)
    if long_side <= max_side:
        return
    floor = max(1, round(max_side * _MIN_DRAFT_SHARE))
    scale = next(s for s in (8, 4, 2, 1)
                 if s == 1 or (long_side // s >= floor and min(image.size) // s >= 1))
    if scale > 1:
        # draft() picks the largest scale whose result still covers the size asked for.
        image.draft(None, (image.width // scale, image.height // scale))


def _fitted(image: Image.Image, max_side: int) -> Image.Image:
    """The image reduced by the smallest whole factor that brings its long side to at most
    ``max_side`` (each output pixel the mean of a block: a tenth of the cost of resampling)."""
    factor = -(-max(image.size) // max_side)
    return image.reduce(factor) if factor > 1 else image


def _upright(image: Image.Image, orientation: object) -> Image.Image:
    for step in _UPRIGHT.get(orientation if isinstance(orientation, int) else 1, ()):
        image = image.transpose(step)
    return image


def _open(data: bytes, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except Image.UnidentifiedImageError as exc:
        kind = _sniff(data)
        what = f"a {kind} file" if kind else "not an image we can read"
        raise ImageRejected(
            "image.unsupported-format",
            f"{name} is {what} (judged by its content, not its name); "
            f"only {FORMAT_LABEL} photos can be checked.",
            "Save or export the photo as JPEG and attach it again.",
        ) from exc
    except Image.DecompressionBombError as exc:
        raise ImageRejected(
            "image.too-many-pixels",
            f"{name} declares more pixels than any photo should ({exc}).",
            "Attach the original photo from the camera or phone.",
        ) from exc
    except _CORRUPT_ERRORS as exc:
        raise _corrupt(name, exc) from exc


def _sniff(data: bytes) -> str | None:
    head = data[:16].lstrip()
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def _check_pixels(im: Image.Image, limits: Limits, name: str) -> None:
    width, height = im.size
    if width < 1 or height < 1 or width * height > limits.max_pixels:
        raise ImageRejected(
            "image.too-many-pixels",
            f"{name} is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {limits.max_pixels / 1e6:.0f} megapixels.",
            "Resize the photo (e.g. to 4000 pixels on the long side) and attach it again.",
        )


def _check_single_frame(im: Image.Image, name: str) -> None:
    # HEIC files may hold extra images (depth maps, bursts): only the primary one is
    # decoded and released, so they are not an animation a viewer would see.
    frames = int(getattr(im, "n_frames", 1))
    if im.format != "HEIF" and frames > 1:
        raise ImageRejected(
            "image.animated",
            f"{name} is animated ({frames} frames); every frame would need checking.",
            "Attach a still photo instead (export the frame you want as JPEG).",
        )


def _corrupt(name: str, exc: BaseException) -> ImageRejected:
    return ImageRejected(
        "image.corrupt",
        f"{name} is damaged or incomplete and could not be decoded ({exc}).",
        "Copy the photo from the camera or phone again and attach the new copy.",
    )


def _to_rgb(im: Image.Image) -> tuple[Image.Image, bytes | None]:
    """Any mode as RGB or RGBA (``im`` itself when it already is), with the RGB profile
    that describes those pixels, if any."""
    icc = im.info.get("icc_profile") or None
    if im.mode == "CMYK":
        return _cmyk_to_rgb(im, icc)
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # 16-bit greyscale: scale to 8 bits rather than clip everything above 255 to white.
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if arr.max(initial=0) > 255 else 255.0
        im = Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8), "L")
    has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
    mode = "RGBA" if has_alpha else "RGB"
    return (im if im.mode == mode else im.convert(mode)), _rgb_profile(icc)


def _rgb_profile(icc: bytes | None) -> bytes | None:
    """Keep the profile only if it describes RGB data (a greyscale one would not fit)."""
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError):
        return None
    return icc if profile.profile.xcolor_space.strip() == "RGB" else None


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    # With the print profile, convert properly to sRGB; without it, Pillow's naive formula.
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            rgb = ImageCms.profileToProfile(im, src, _srgb(), outputMode="RGB")
            if rgb is not None:
                return rgb, _srgb_bytes()
        except (OSError, ImageCms.PyCMSError):
            pass
    return im.convert("RGB"), None


def _to_srgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """Pixels in sRGB, tagged with our own sRGB profile: the upload's profile bytes (which
    can hold any text, even HTML) never reach the published copy, its colours do."""
    if icc is None or icc == _srgb_bytes():
        return im, icc
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(im, src, _srgb(), outputMode=im.mode)
    except (OSError, ImageCms.PyCMSError):
        return im, None  # a profile littleCMS cannot use: the pixels as they are, untagged
    return (converted or im), _srgb_bytes()


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@cache
def _srgb_bytes() -> bytes:
    return _srgb().tobytes()
