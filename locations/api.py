from ninja import NinjaAPI

api = NinjaAPI(title="Naloxone Finder API", version="1")
