"""Template helpers for sharing a listing: QR codes of its link and schema.org data."""

import functools
import io
import json

import segno
from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# The escapes Django's json_script applies, so that no text in the data can close the
# <script> element or open a comment inside it.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@functools.lru_cache(maxsize=512)
def qr_code_svg(data: str, label: str) -> str:
    """An inline SVG QR code of `data`, named `label` for assistive technology.

    Always a full QR code (make_qr), never a Micro QR code, which phone cameras do not
    read. segno writes no style attributes; the size comes from CSS through the viewBox,
    and the white quiet zone is drawn so the code scans on any background.
    """
    code = segno.make_qr(data, error="m")
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        title=label,
        omitsize=True,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
        nl=False,
    )
    svg = out.getvalue().decode()
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


@register.filter
def qr_svg(data: str, label: str = "") -> SafeString:
    """{{ url|qr_svg:label }}: the QR code of `url` as inline SVG (see qr_code_svg)."""
    return mark_safe(qr_code_svg(str(data), str(label)))


@register.filter
def json_ld(value) -> SafeString:
    """{{ data|json_ld }}: a schema.org data block, escaped the way json_script escapes.

    json_script always writes type="application/json"; search engines read structured
    data from application/ld+json, which the Content Security Policy allows because
    browsers never run it.
    """
    text = json.dumps(value, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
