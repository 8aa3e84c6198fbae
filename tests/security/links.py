"""Reading the links out of a page, to check that none leads off the site."""

import re
from urllib.parse import urljoin, urlsplit

# Every attribute that makes the browser go somewhere or fetch something.
LINK = re.compile(r"""\b(?:href|src|action|content)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
# Links in JSON-LD and the like: "url": "...".
JSON_LINK = re.compile(r'"(?:url|@id|embedUrl|sameAs)"\s*:\s*"([^"]*)"')
# Sites the pages link to on purpose (map tiles and their attribution).
KNOWN_SITES = {"www.openstreetmap.org", "tile.openstreetmap.org"}


def off_site_links(html: str, host: str) -> list[str]:
    """The links in html that a browser would follow to a host other than `host` (it reads
    a backslash as a slash, and "//host/..." as another host)."""
    found = []
    for link in [*LINK.findall(html), *JSON_LINK.findall(html)]:
        link = link.strip().replace("\\/", "/").replace("&#x2F;", "/")
        if not link.startswith(("/", "\\", "http:", "https:")):
            continue  # meta contents, fragments, mailto: and tel: links
        target = urlsplit(urljoin(f"http://{host}/page", link.replace("\\", "/")))
        if target.hostname not in {host, *KNOWN_SITES}:
            found.append(link)
    return found
