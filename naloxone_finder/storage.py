"""Where collectstatic puts the static files: hashed and compressed (WhiteNoise), with the
imports between JavaScript modules rewritten to the hashed names as well."""

from django.conf import settings
from django.core.signals import setting_changed
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """js/results-map.<hash>.js then imports js/map.<hash>.js rather than js/map.js, so a
    changed map.js reaches browsers together with the scripts that import it.

    Each file's URL is worked out once per process: every page asks for the same few,
    and the manifest does not change while the process runs (collectstatic and changed
    settings start again)."""

    support_js_module_import_aggregation = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.urls: dict[tuple, str] = {}
        setting_changed.connect(self.forget_urls, weak=True)

    def url(self, name, force=False):
        key = (name, force, settings.DEBUG)
        url = self.urls.get(key)
        if url is None:
            url = self.urls[key] = super().url(name, force)
        return url

    def forget_urls(self, **kwargs) -> None:
        self.urls.clear()

    def post_process(self, *args, **kwargs):
        self.urls.clear()
        yield from super().post_process(*args, **kwargs)
