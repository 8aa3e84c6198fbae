"""Where collectstatic puts the static files: hashed and compressed (WhiteNoise), with the
imports between JavaScript modules rewritten to the hashed names as well."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """js/results-map.<hash>.js then imports js/map.<hash>.js rather than js/map.js, so a
    changed map.js reaches browsers together with the scripts that import it."""

    support_js_module_import_aggregation = True
