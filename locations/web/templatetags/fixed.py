"""{% fixed %} … {% endfixed %}: a part of a page that is the same on every request in a
language, rendered once per process and kept.

The header, the footer, the form's labels and hints and the links to static files are
most of a page's template nodes; each {% translate %}, {% url %} and {% static %} costs
a lookup every time. Inside {% fixed %} they cost one render per language and script
prefix, after which the part is a string.

Only what cannot differ between two requests in the same language may go inside: text,
comments, and {% translate %}, {% url %} and {% static %} with literal arguments and no
`as`. Anything else (a variable, a condition, a loop) is refused when the template is
loaded, so a kept part can never hold one visitor's values.
"""

import weakref

from django import template
from django.core.signals import setting_changed
from django.template.base import TextNode, Variable
from django.template.defaulttags import CommentNode, URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Every FixedNode alive, so that a changed setting (tests override STATIC_URL, DEBUG or
# the URLs) drops what they keep.
_nodes: "weakref.WeakSet[FixedNode]" = weakref.WeakSet()


def literal(expression) -> bool:
    """Whether a tag argument is a quoted string with no filters (the parser keeps a
    constant as the string itself, {% translate %} as a Variable of a literal)."""
    var = expression.var
    if isinstance(var, Variable):
        var = var.literal
    return not expression.filters and isinstance(var, str)


def allowed(node) -> bool:
    if isinstance(node, TextNode | CommentNode):
        return True
    if isinstance(node, TranslateNode):
        return (
            node.asvar is None
            and literal(node.filter_expression)
            and (node.message_context is None or literal(node.message_context))
        )
    if isinstance(node, URLNode):
        return node.asvar is None and not node.args and not node.kwargs and literal(node.view_name)
    if isinstance(node, StaticNode):
        return node.varname is None and literal(node.path)
    return False


class FixedNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.kept: dict[tuple, str] = {}
        _nodes.add(self)

    def render(self, context) -> str:
        key = (get_language(), get_script_prefix())
        html = self.kept.get(key)
        if html is None:
            html = mark_safe(self.nodelist.render(context))
            self.kept[key] = html
        return html


@register.tag
def fixed(parser, token):
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    for node in nodelist:
        if not allowed(node):
            raise template.TemplateSyntaxError(
                "{% fixed %} holds only text, comments and {% translate %}, {% url %} or "
                f"{{% static %}} with literal arguments, not {node!r}"
            )
    return FixedNode(nodelist)


def forget(**kwargs) -> None:
    for node in _nodes:
        node.kept.clear()


setting_changed.connect(forget, dispatch_uid="fixed_template_parts")
