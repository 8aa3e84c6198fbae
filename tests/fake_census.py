"""A stand-in for the US Census Geocoder: a real HTTP server on 127.0.0.1 in a thread.

It answers the three endpoints the project calls, in the Census Geocoder's own formats:

- GET /geocoder/locations/address and /geocoder/locations/onelineaddress: JSON with
  result.input and result.addressMatches (coordinates x = longitude, y = latitude,
  matchedAddress, tigerLine, addressComponents); an empty list when nothing matches.
- POST /geocoder/locations/addressbatch: a multipart form whose addressFile holds
  id,street,city,state,zip lines; the answer is CSV, every cell quoted, one line per
  address: id,"input address",Match,Exact|Non_Exact,"matched address","lon,lat",
  tigerLineId,side, or just id,"input address",No_Match (or Tie).

Tests teach it addresses with `add()` and make it misbehave with `mode`: "error" (HTTP
500 with an HTML page), "slow" (answers after `delay` seconds), "garbage" (HTTP 200 with
text that is neither JSON nor the batch CSV). `requests` lists what it was asked.
"""

import contextlib
import csv
import io
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BENCHMARK = {
    "isDefault": True,
    "benchmarkDescription": "Public Address Ranges - Current Benchmark",
    "id": "4",
    "benchmarkName": "Public_AR_Current",
}
ERROR_PAGE = "<html><body><h1>500 Internal Server Error</h1></body></html>"


def address_key(street: str, zip_code: str) -> tuple[str, str]:
    return " ".join(street.upper().replace(",", " ").split()), zip_code.strip()[:5]


@dataclass
class KnownAddress:
    street: str
    city: str
    state: str
    zip_code: str
    latitude: float
    longitude: float

    @property
    def matched(self) -> str:
        return f"{self.street}, {self.city}, {self.state}, {self.zip_code}".upper()


@dataclass
class FakeCensus:
    url: str = ""
    mode: str = "ok"
    delay: float = 0.0
    known: dict = field(default_factory=dict)
    ties: set = field(default_factory=set)
    requests: list = field(default_factory=list)  # (method, path, fields)

    def add(self, street, city, state, zip_code, latitude, longitude) -> None:
        """Teach it an address (matched on street and ZIP, case-insensitively)."""
        self.known[address_key(street, zip_code)] = KnownAddress(
            street, city, state, zip_code, latitude, longitude
        )

    def add_tie(self, street, zip_code) -> None:
        """An address that matches two places."""
        self.ties.add(address_key(street, zip_code))

    def paths(self) -> list[str]:
        return [path for _method, path, _fields in self.requests]

    # Answers, in the Census formats.

    def match_json(self, known: KnownAddress) -> dict:
        number, _space, street_name = known.street.partition(" ")
        return {
            "tigerLine": {"side": "L", "tigerLineId": "76355984"},
            "coordinates": {"x": known.longitude, "y": known.latitude},
            "addressComponents": {
                "zip": known.zip_code,
                "streetName": street_name.upper(),
                "preType": "",
                "city": known.city.upper(),
                "preDirection": "",
                "suffixDirection": "",
                "fromAddress": number,
                "state": known.state,
                "suffixType": "",
                "toAddress": number,
                "suffixQualifier": "",
                "preQualifier": "",
            },
            "matchedAddress": known.matched,
        }

    def single(self, searchtype: str, fields: dict) -> dict:
        if searchtype == "onelineaddress":
            street, _comma, rest = fields.get("address", "").partition(",")
            zip_code = rest.split()[-1] if rest.split() else ""
            echo = {"address": fields.get("address", "")}
        else:
            street, zip_code = fields.get("street", ""), fields.get("zip", "")
            echo = {k: fields.get(k, "") for k in ("street", "city", "state", "zip")}
        key = address_key(street, zip_code)
        matches = []
        if key in self.known:
            matches = [self.match_json(self.known[key])]
        elif key in self.ties:
            a = KnownAddress(street, "Springfield", "IL", zip_code, 39.78, -89.65)
            b = KnownAddress(street, "Springfield", "MO", zip_code, 37.21, -93.29)
            matches = [self.match_json(a), self.match_json(b)]
        return {
            "result": {
                "input": {"address": echo, "benchmark": BENCHMARK},
                "addressMatches": matches,
            }
        }

    def batch(self, address_file: str) -> str:
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        lines = list(csv.reader(io.StringIO(address_file)))
        # The Census answers in its own order, not the file's.
        for cells in reversed(lines):
            if not cells:
                continue
            row_id, street, city, state, zip_code = (cells + [""] * 5)[:5]
            given = f"{street}, {city}, {state}, {zip_code}"
            key = address_key(street, zip_code)
            known = self.known.get(key)
            if known:
                writer.writerow(
                    [
                        row_id,
                        given,
                        "Match",
                        "Exact",
                        known.matched,
                        f"{known.longitude},{known.latitude}",
                        "76355984",
                        "L",
                    ]
                )
            else:
                writer.writerow([row_id, given, "Tie" if key in self.ties else "No_Match"])
        return out.getvalue()


def _handler(census: FakeCensus):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _misbehave(self) -> bool:
            if census.mode == "slow":
                time.sleep(census.delay)
            if census.mode == "error":
                self._send(500, ERROR_PAGE, "text/html")
                return True
            if census.mode == "garbage":
                self._send(200, "Thank you for your request.\nok,then\n", "text/plain")
                return True
            return False

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # The client may have given up waiting (the "slow" mode).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def do_GET(self):
            parts = urlsplit(self.path)
            fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
            census.requests.append(("GET", parts.path, fields))
            if self._misbehave():
                return
            searchtype = parts.path.rstrip("/").rsplit("/", 1)[-1]
            if parts.path.startswith("/geocoder/locations/") and searchtype in {
                "address",
                "onelineaddress",
            }:
                body = census.single(searchtype, fields)
                self._send(200, json.dumps(body), "application/json")
            else:
                self._send(404, json.dumps({"errors": ["Not found"], "status": "404"}), "text/json")

        def do_POST(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
            )
            fields = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                fields[name] = part.get_payload(decode=True).decode()
            census.requests.append(("POST", parts.path, fields))
            if self._misbehave():
                return
            if parts.path == "/geocoder/locations/addressbatch" and "addressFile" in fields:
                self._send(200, census.batch(fields["addressFile"]), "text/csv")
            else:
                self._send(400, "Missing addressFile", "text/plain")

    return Handler


class running:
    """Context manager: a FakeCensus serving on a free port until the block ends."""

    def __enter__(self) -> FakeCensus:
        self.census = FakeCensus()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.census))
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.census.url = f"http://{host}:{port}/geocoder"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.census

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
