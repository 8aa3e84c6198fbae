"""Result cards: one place in a list (search results, a city's or a state's places).

A card says what the place is, how far, whether it is open, and gives the buttons to act
on it: Call and Directions, or for a program that mails naloxone, Order by mail. At most
three offerings; the place's page lists them all.

Lists show up to twenty cards a page, so a card is written here rather than by a template
(a template render per card was most of the search page's time), and most of it is kept:

- What depends only on the place and the language (name and link, kind, address,
  buttons, offerings) is written once and kept in a bounded, process-local LRU, keyed by
  the language and the values of every column the card shows (CARD_FIELDS). The key is
  the content itself, so a place edited by any path (a service, the admin, an import, a
  bulk update) has a new key at once: its old card is never shown again and nothing has
  to be invalidated.
- What changes from one request to the next is written each time: the distance, whether
  the place is open now (the label depends on the clock) and its number in the list.
- The card's fixed words are translated once per language (Words).

Every value from the database is escaped (html.escape, which django.utils.html.escape
wraps); translated text is trusted as templates trust it.
"""

import functools
import html
from operator import attrgetter

from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from ..domain.lru import LRU
from ..domain.phones import format_phone, phone_uri
from ..domain.words import miles_away
from ..models import Location
from ..models.places import place_paths
from .directions import directions_url

CHIPS = 3  # offerings a card shows before "n more"; the place's page shows them all

# Every column a card shows (directly, or through get_absolute_url, the kind's label,
# the phone's forms, the offerings and directions_url). A column the card shows must be
# listed here, or editing it would leave old cards in use.
CARD_FIELDS = (
    "id",
    "slug",
    "name",
    "kind",
    "street_address",
    "address_line2",
    "city",
    "state",
    "zip_code",
    "latitude",
    "longitude",
    "location_precision",
    "phone",
    "website",
    *(name for name, _label in Location.OFFERINGS),
)

# Cards kept per process (about a kilobyte each): a busy area's places in both languages.
CACHE_SIZE = 5000

MAIL_BASED = Location.Kind.MAIL_BASED.value


def escape(value) -> str:
    """As django.utils.html.escape, without its cost per call (and lazy text translated
    now, in the active language)."""
    return html.escape(str(value))


cards = LRU(CACHE_SIZE)


class Words:
    """A card's fixed words in one language, translated once per process."""

    def __init__(self):
        # Translated text is trusted, as in templates; labels are escaped, as values.
        self.order_by_mail = gettext("Order by mail")
        self.directions = gettext("Directions")
        self.show_on_map = gettext("Show on map")
        self.call = gettext("Call %(phone)s")
        self.kinds = {value: escape(label) for value, label in Location.Kind.choices}
        self.offerings = {name: escape(label) for name, label in Location.OFFERINGS}
        self.more = {}

    def more_offerings(self, count: int) -> str:
        if count not in self.more:
            self.more[count] = ngettext("+%(counter)s more", "+%(counter)s more", count) % {
                "counter": count
            }
        return self.more[count]


@functools.cache
def words(language: str) -> Words:
    """The words of `language`, which must be the active language."""
    return Words()


card_values = attrgetter(*CARD_FIELDS)


class Lists:
    """What every card of one list shares, read once for the list: the language, the
    script prefix and the place links (each a context-local lookup per card otherwise)."""

    def __init__(self):
        self.language = get_language()
        self.prefix = get_script_prefix()
        self.path_of = place_paths(self.language)
        self.words = words(self.language)


def card_key(location: Location, has_distance: bool, on_map: bool, lists: Lists) -> tuple:
    return (lists.language, lists.prefix, has_distance, on_map, card_values(location))


def card_pieces(
    location: Location, has_distance: bool, on_map: bool, lists: Lists | None = None
) -> tuple[str, str, str]:
    """The card's fixed parts, escaped: (up to where the distance goes, from the end of
    the meta line to where the open status goes, the rest up to the map button's number,
    the rest). Pieces that do not apply are ""."""
    lists = lists or Lists()
    say = lists.words
    name = escape(location.name)
    mail_based = location.kind == MAIL_BASED

    head = (
        '\n<article class="result">\n'
        f'  <h3><a href="{escape(lists.path_of(location.slug))}">{name}</a></h3>\n'
        '  <p class="meta">\n'
        f'    <span class="kind">{say.kinds.get(location.kind, escape(location.kind))}</span>\n'
        "    "
    )
    if mail_based:
        head += f'· <span class="by-mail">{say.order_by_mail}</span>'
    elif has_distance:
        head += '· <span class="distance">'

    body = []
    if not mail_based:
        body.append(f'<p class="address">{address(location)}</p>')
    body.append("\n  ")
    directions = directions_url(location)
    order = mail_based and location.website
    number_at = ""
    if location.phone or directions or on_map or order:
        body.append('\n  <p class="card-actions">\n    ')
        if order:
            body.append(
                f'<a class="button" href="{escape(location.website)}" rel="noopener nofollow">'
                f'{say.order_by_mail}<span class="visually-hidden">: {name}</span></a>'
            )
        body.append("\n    ")
        if location.phone:
            shown, uri = format_phone(location.phone), phone_uri(location.phone)
            call = say.call % {"phone": escape(shown)}
            body.append(f'<a class="button" href="{escape(uri)}">{call}</a>')
        body.append("\n    ")
        if directions:
            body.append(
                f'<a class="button secondary-button" href="{escape(directions)}" rel="noopener">'
                f'{say.directions}<span class="visually-hidden">: {name}</span></a>'
            )
        body.append("\n    ")
        if on_map:
            body.append('<button type="button" class="show-on-map secondary-button" data-n="')
            number_at = (
                f'" hidden>{say.show_on_map}<span class="visually-hidden">: {name}</span></button>'
            )
        after = ["\n  </p>\n  "]
    else:
        after = []
    after.append("\n  ")
    offered = [name for name, _label in Location.OFFERINGS if getattr(location, name)]
    if offered:
        after.append('\n  <ul class="offerings">')
        after.extend(f"<li>{say.offerings[chip]}</li>" for chip in offered[:CHIPS])
        if len(offered) > CHIPS:
            more = say.more_offerings(len(offered) - CHIPS)
            after.append(f'<li class="more-offerings">{more}</li>')
        after.append("</ul>\n  ")
    after.append("\n</article>\n")
    tail = "".join(after)
    if number_at:
        return head, "".join(body), number_at + tail
    return head, "".join(body) + tail, ""


def address(place) -> str:
    """A one-line address, "1 Main St, Suite 2, Albany, NY 12207", escaped (as
    includes/address.html writes it)."""
    parts = []
    if place.street_address:
        parts.append(escape(place.street_address))
        if place.address_line2:
            parts.append(escape(place.address_line2))
    parts.append(f"{escape(place.city)}, {escape(place.state)} {escape(place.zip_code)}")
    return ", ".join(parts)


def result_items(locations, numbered: bool = True) -> SafeString:
    """The search list's items: each place's card in an <li> that the page's links and
    map find it by (id="result-<slug>", and data-result="<number>" when `numbered`)."""
    items = []
    lists = Lists()
    for location in locations:
        number = f' data-result="{escape(location.number)}"' if numbered else ""
        slug = escape(location.slug)
        items.append(f'<li{number} id="result-{slug}">{location_card(location, lists)}</li>')
    return mark_safe("".join(items))


def location_card(location: Location, lists: Lists | None = None) -> SafeString:
    """The card of `location` in a list. Lists set `distance` (search), and the search
    numbers its places and says which are on its map (`number`, `on_map`); it may also
    give the distance as words (`distance_label`, words.miles_away) already."""
    lists = lists or Lists()
    has_distance = getattr(location, "distance", None) is not None
    on_map = bool(getattr(location, "on_map", False))
    key = card_key(location, has_distance, on_map, lists)
    pieces = cards.get(key)
    if pieces is None:
        pieces = card_pieces(location, has_distance, on_map, lists)
        cards.put(key, pieces)
    head, body, rest = pieces
    out = [head]
    if has_distance and location.kind != MAIL_BASED:
        label = getattr(location, "distance_label", None) or miles_away(location.distance)
        out.append(escape(label) + "</span>")
    status = location.open_status_now
    state = " open" if status["open"] else " closed" if status["open"] is False else ""
    out.append(
        f'\n  </p>\n  \n  <p class="open-status{state}">{escape(status["label"])}</p>\n  \n  '
    )
    out.append(body)
    if rest:
        out.append(escape(location.number))
        out.append(rest)
    return mark_safe("".join(out))
