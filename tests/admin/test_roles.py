"""Roles: Outreach staff keep the directory; Directory admins also manage staff accounts."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from locations.services.roles import DIRECTORY_ADMINS, OUTREACH_STAFF, sync_staff_groups
from tests.factories import make_location, make_outreach_staff, make_superuser, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "x8#kLm2!pQ-long-enough"


def perms_of(group_name: str) -> set[tuple[str, str]]:
    group = Group.objects.get(name=group_name)
    return set(group.permissions.values_list("content_type__app_label", "codename"))


@pytest.fixture
def root():
    """A superuser, not signed in: the account a Directory admin must not touch."""
    return make_superuser("root")


def change_user_data(user: User, **fields) -> dict:
    """What the user change form posts for `user`, as a Directory admin sees it."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# The groups


def test_outreach_staff_get_every_directory_permission_but_delete_except_hours():
    granted = perms_of(OUTREACH_STAFF)
    every = set(
        Permission.objects.filter(content_type__app_label="locations").values_list(
            "content_type__app_label", "codename"
        )
    )

    # Editing a listing's hours may remove a period; nothing else may be deleted.
    kept = {p for p in every if not p[1].startswith("delete_") or p[1] == "delete_openinghours"}
    assert granted == kept
    assert ("locations", "change_location") in granted
    assert ("locations", "view_historicallocation") in granted


def test_directory_admins_also_delete_and_manage_accounts_and_lockouts():
    granted = perms_of(DIRECTORY_ADMINS)

    assert ("locations", "delete_location") in granted
    assert {
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "delete_user"),
        ("auth", "view_group"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
    } <= granted
    assert ("auth", "change_group") not in granted
    assert ("auth", "add_permission") not in granted


def test_syncing_restores_a_permission_taken_away_and_drops_one_added():
    group = Group.objects.get(name=OUTREACH_STAFF)
    group.permissions.remove(Permission.objects.get(codename="change_location"))
    group.permissions.add(Permission.objects.get(codename="delete_location"))

    sync_staff_groups()

    granted = perms_of(OUTREACH_STAFF)
    assert ("locations", "change_location") in granted
    assert ("locations", "delete_location") not in granted


# Outreach staff


def test_outreach_staff_cannot_delete_or_open_user_pages(client, staff, root):
    location = make_location()

    delete = client.post(
        reverse("admin:locations_location_delete", args=[location.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 403
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


# Directory admins


def test_a_directory_admin_can_delete_a_location(client, director):
    location = make_location()

    response = client.post(
        reverse("admin:locations_location_delete", args=[location.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not type(location).objects.filter(pk=location.pk).exists()


def test_a_directory_admin_creates_a_staff_account_in_a_staff_group(client, director):
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "newhire", "usable_password": "true", "password1": PASSWORD,
         "password2": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    newhire = User.objects.get(username="newhire")
    outreach = Group.objects.get(name=OUTREACH_STAFF)

    response = client.post(
        reverse("admin:auth_user_change", args=[newhire.pk]),
        change_user_data(newhire, groups=[outreach.pk]),
    )

    assert response.status_code == 302
    newhire.refresh_from_db()
    assert newhire.is_staff and not newhire.is_superuser
    assert list(newhire.groups.all()) == [outreach]


def test_a_directory_admin_is_not_offered_superuser_or_single_permissions(client, director):
    staffer = make_user("staffer", is_staff=True)

    response = client.get(reverse("admin:auth_user_change", args=[staffer.pk]))

    fields = response.context["adminform"].form.fields
    assert "is_superuser" not in fields and "user_permissions" not in fields
    assert set(fields["groups"].queryset.values_list("name", flat=True)) == {
        OUTREACH_STAFF,
        DIRECTORY_ADMINS,
    }


def test_a_directory_admin_cannot_grant_superuser_status_or_permissions(client, director):
    staffer = make_user("staffer", is_staff=True)
    permission = Permission.objects.get(codename="change_group")

    client.post(
        reverse("admin:auth_user_change", args=[staffer.pk]),
        change_user_data(staffer, is_superuser="on", user_permissions=[permission.pk]),
    )

    staffer.refresh_from_db()
    assert not staffer.is_superuser
    assert not staffer.user_permissions.exists()


def test_a_directory_admin_cannot_put_anyone_in_another_group(client, director):
    staffer = make_user("staffer", is_staff=True)
    powerful = Group.objects.create(name="Everything")

    response = client.post(
        reverse("admin:auth_user_change", args=[staffer.pk]),
        change_user_data(staffer, groups=[powerful.pk]),
    )

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not staffer.groups.exists()


@pytest.mark.parametrize("page", ["change", "password_change", "delete"])
def test_a_directory_admin_cannot_change_or_delete_a_superuser(client, director, root, page):
    url = reverse(f"admin:auth_user_{page}", args=[root.pk])
    data = {
        "change": change_user_data(root, username="taken-over", is_staff=None),
        "password_change": {
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
        "delete": {"post": "yes"},
    }[page]

    response = client.post(url, data)

    assert response.status_code == 403
    root.refresh_from_db()
    assert root.username == "root" and root.is_staff and root.check_password("pw")


def holding_more_than_the_staff_groups(kind: str) -> User:
    """An account a superuser gave more than the two staff groups do."""
    user = make_outreach_staff("special")
    if kind == "permission":
        user.user_permissions.add(Permission.objects.get(codename="change_group"))
    else:
        user.groups.add(Group.objects.create(name="Everything"))
    return user


@pytest.mark.parametrize("kind", ["permission", "group"])
@pytest.mark.parametrize("page", ["change", "password_change", "delete"])
def test_a_directory_admin_cannot_take_over_an_account_holding_more(client, director, kind, page):
    special = holding_more_than_the_staff_groups(kind)
    url = reverse(f"admin:auth_user_{page}", args=[special.pk])
    data = {
        "change": change_user_data(special, username="taken-over", groups=[]),
        "password_change": {
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
        "delete": {"post": "yes"},
    }[page]

    response = client.post(url, data)

    assert response.status_code == 403
    special.refresh_from_db()
    assert special.username == "special" and special.check_password("pw")
    assert special.groups.count() == 2 or special.user_permissions.exists()


@pytest.mark.parametrize("kind", ["permission", "group"])
def test_a_directory_admin_cannot_bulk_delete_an_account_holding_more(client, director, kind):
    special = holding_more_than_the_staff_groups(kind)
    staffer = make_user("staffer", is_staff=True)

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [special.pk, staffer.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert User.objects.filter(pk__in=[special.pk, staffer.pk]).count() == 2


def test_a_directory_admin_still_sees_an_account_holding_more(client, director):
    special = holding_more_than_the_staff_groups("group")

    response = client.get(reverse("admin:auth_user_change", args=[special.pk]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_a_superuser_may_change_an_account_holding_more(client, root):
    client.force_login(root)
    special = holding_more_than_the_staff_groups("permission")

    response = client.post(
        reverse("admin:auth_user_change", args=[special.pk]),
        change_user_data(special, first_name="Sam", user_permissions=[]),
    )

    assert response.status_code == 302
    special.refresh_from_db()
    assert special.first_name == "Sam"


def test_a_directory_admin_cannot_bulk_delete_a_superuser(client, director, root):
    staffer = make_user("staffer", is_staff=True)

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [root.pk, staffer.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert User.objects.filter(pk__in=[root.pk, staffer.pk]).count() == 2


def test_a_directory_admin_can_bulk_delete_staff_accounts(client, director):
    staffer = make_user("staffer", is_staff=True)

    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [staffer.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=staffer.pk).exists()


def test_a_directory_admin_cannot_promote_themselves(client, director):
    powerful = Group.objects.create(name="Everything")
    outreach = Group.objects.get(name=OUTREACH_STAFF)

    response = client.post(
        reverse("admin:auth_user_change", args=[director.pk]),
        change_user_data(
            director, first_name="Dee", is_superuser="on", groups=[powerful.pk, outreach.pk]
        ),
    )

    assert response.status_code == 302  # their name may change, nothing else
    director.refresh_from_db()
    assert director.first_name == "Dee"
    assert not director.is_superuser
    assert list(director.groups.values_list("name", flat=True)) == [DIRECTORY_ADMINS]


def test_a_directory_admin_cannot_edit_groups_themselves(client, director):
    group = Group.objects.get(name=OUTREACH_STAFF)

    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 200
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == 403
    assert ("auth", "add_user") not in perms_of(OUTREACH_STAFF)


def test_a_superuser_may_still_grant_superuser_status(client, root):
    client.force_login(root)
    staffer = make_user("staffer", is_staff=True)

    response = client.post(
        reverse("admin:auth_user_change", args=[staffer.pk]),
        change_user_data(staffer, is_superuser="on"),
    )

    assert response.status_code == 302
    staffer.refresh_from_db()
    assert staffer.is_superuser
