from django.conf import settings

from .models import Location


def site(request):
    """Values every public page needs: the demo banner and the admin path."""

    def demo_data_present() -> bool:
        # Evaluated lazily: pages that never show the banner (admin) skip the query.
        return Location.objects.filter(is_demo=True).exists()

    return {"demo_data_present": demo_data_present, "admin_path": settings.ADMIN_PATH}
