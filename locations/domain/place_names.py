"""Place names as people type them and as the ZIP table spells them, reduced to one key:
"O'Fallon", "O Fallon" and "OFALLON" are OFALLON; "Coeur d'Alene" and "Coeur D Alene"
are COEURDALENE; "Winston-Salem" is WINSTONSALEM; "St. Louis" is STLOUIS, and also
SAINTLOUIS, the ZIP table's spelling."""

import re
import unicodedata

# How people shorten the first word of a city name, and how the ZIP table spells it.
CITY_PREFIXES = {"ST": "SAINT", "STE": "SAINTE", "FT": "FORT", "MT": "MOUNT"}
SPELT_OUT = {long: short for short, long in CITY_PREFIXES.items()}


def words(name: str) -> list[str]:
    """The name's words in capitals, accents, apostrophes, periods and hyphens gone."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).upper()
    return re.findall(r"[A-Z0-9]+", re.sub(r"['’`]", "", plain))


def place_key(name: str) -> str:
    """One key for every spelling of a name: its letters and digits only, in capitals."""
    return "".join(words(name))


def key_variants(name: str) -> list[str]:
    """The keys a typed city name may be stored under: as typed, and with a shortened
    first word spelt out ("St" -> "Saint") or a spelt-out one shortened."""
    parts = words(name)
    keys = {"".join(parts)}
    if parts and parts[0] in CITY_PREFIXES:
        keys.add("".join([CITY_PREFIXES[parts[0]], *parts[1:]]))
    if parts and parts[0] in SPELT_OUT:
        keys.add("".join([SPELT_OUT[parts[0]], *parts[1:]]))
    keys.discard("")
    return sorted(keys)


def zip_names(city: str, other_names: list[str]) -> list[str]:
    """The keys a ZIP answers to: its city first, then the other names the USPS knows
    for it (boroughs, neighbourhoods), without abbreviations of one or two letters."""
    first = place_key(city)
    keys = [first]
    for name in other_names:
        key = place_key(name)
        if len(key) > 2 and key not in keys:
            keys.append(key)
    return keys
