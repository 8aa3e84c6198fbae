"""Fill in the nginx configuration template (nginx.conf next to this file).

    python -m naloxone_finder.deploy.nginx --listen 80 --upstream 127.0.0.1:8000 \\
        --server-name naloxone.example.org --run-dir /run/naloxone-nginx > nginx.conf

The largest body and the static folder come from the settings (ADMIN_IMPORT_MAX_MB,
STATIC_ROOT) unless given.
"""

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"
PLACEHOLDER = re.compile(r"\$\{(NF_[A-Z_]+)\}")


def max_body_mb(import_max_mb: int) -> int:
    """nginx's client_max_body_size: the admin import's file limit, plus a megabyte for the
    multipart form around the file."""
    return import_max_mb + 1


def render(
    *,
    listen: str,
    upstream: str,
    static_root: str | Path,
    run_dir: str | Path,
    import_max_mb: int,
    server_name: str = "_",
    user: str = "www-data",
) -> str:
    """The configuration with every ${NF_...} placeholder filled in (comments left as they
    are). A placeholder with no value is an error, not an empty string."""
    values = {
        "NF_LISTEN": listen,
        "NF_UPSTREAM": upstream,
        "NF_STATIC_ROOT": str(Path(static_root)).rstrip("/"),
        "NF_RUN_DIR": str(Path(run_dir)),
        "NF_MAX_BODY_MB": str(max_body_mb(import_max_mb)),
        "NF_SERVER_NAME": server_name,
        "NF_USER": user,
    }
    for name, value in values.items():
        allowed = r"[^;{}'\"\n]+" if name == "NF_SERVER_NAME" else r"[^\s;{}'\"]+"
        if not re.fullmatch(allowed, value):
            raise ValueError(f"{name} must be a plain nginx value, no quotes, ; {{ }}: {value!r}")

    def fill(match: re.Match) -> str:
        return values[match.group(1)]

    lines = TEMPLATE.read_text().splitlines(keepends=True)
    return "".join(
        line if line.lstrip().startswith("#") else PLACEHOLDER.sub(fill, line) for line in lines
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="80", help="nginx's listen value (port or addr:port)")
    parser.add_argument("--upstream", default="127.0.0.1:8000", help="where gunicorn listens")
    parser.add_argument("--server-name", default="_", help="the site's host name(s)")
    parser.add_argument("--run-dir", required=True, help="folder for the pid and temp files")
    parser.add_argument("--static-root", help="collected static files (default STATIC_ROOT)")
    parser.add_argument("--import-max-mb", type=int, help="default ADMIN_IMPORT_MAX_MB")
    parser.add_argument("--user", default="www-data", help="the user nginx's workers run as")
    args = parser.parse_args(argv)
    if args.static_root is None or args.import_max_mb is None:
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naloxone_finder.settings")
        from django.conf import settings

        static_root = args.static_root or settings.STATIC_ROOT
        import_max_mb = args.import_max_mb or settings.ADMIN_IMPORT_MAX_MB
    else:
        static_root, import_max_mb = args.static_root, args.import_max_mb
    sys.stdout.write(
        render(
            listen=args.listen,
            upstream=args.upstream,
            static_root=static_root,
            run_dir=args.run_dir,
            import_max_mb=import_max_mb,
            server_name=args.server_name,
            user=args.user,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
