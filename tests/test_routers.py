"""Read replicas: public pages read from a replica; writes, the admin and transactions the primary."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from archive.routers import ReplicaRouter, replica_reads
from catalogue.models import Document

# serialized_rollback restores the starter authority (a data migration) for later tests.
pytestmark = pytest.mark.django_db(
    databases=["default", "replica_1"], transaction=True, serialized_rollback=True
)


@pytest.fixture(autouse=True, scope="module")
def replica_alias(django_db_setup, django_db_blocker):
    """A second alias mirroring the test database, as DATABASE_REPLICA_URLS would add."""
    replica = {**connections.settings["default"], "TEST": {"MIRROR": "default"}}
    connections.settings["replica_1"] = replica
    override = override_settings(DATABASES={**settings.DATABASES, "replica_1": replica})
    override.enable()
    yield
    override.disable()
    connections["replica_1"].close()
    del connections.settings["replica_1"]
    if hasattr(connections._connections, "replica_1"):
        delattr(connections._connections, "replica_1")


def test_reads_outside_public_views_use_the_primary():
    assert ReplicaRouter().db_for_read(Document) is None


def test_public_reads_go_to_a_replica():
    with replica_reads():
        assert ReplicaRouter().db_for_read(Document) == "replica_1"
        assert Document.objects.all().db == "replica_1"


def test_writes_always_go_to_the_primary_and_later_reads_follow_them():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_write(Document) == "default"
        assert router.db_for_read(Document) is None


def test_reads_inside_a_transaction_use_the_primary():
    with replica_reads(), transaction.atomic():
        assert ReplicaRouter().db_for_read(Document) is None


def test_the_search_page_queries_the_replica_and_the_admin_the_primary(client, admin_user):
    with CaptureQueriesContext(connections["replica_1"]) as replica:
        assert client.get("/documents/").status_code == 200
    assert replica.captured_queries
    client.force_login(admin_user)
    with CaptureQueriesContext(connections["replica_1"]) as replica:
        assert client.get("/admin/catalogue/document/").status_code == 200
    assert not replica.captured_queries


def test_replicas_are_never_migrated():
    assert ReplicaRouter().allow_migrate("replica_1", "catalogue") is False
    assert ReplicaRouter().allow_migrate("default", "catalogue") is True


def test_every_public_page_reads_from_the_replica_alone(client):
    # The heaviest pages at scale (a busy person's) are the first to spread over replicas.
    from people.models import Organization, Person
    from tests.public_corpus import build_corpus

    corpus = build_corpus()
    organization = Organization.objects.filter(document_links__isnull=False).first()
    pages = [
        "/",
        "/documents/",
        "/documents/?q=Korea",
        "/documents.json?q=Korea",
        "/documents/facets/language/",
        corpus.politburo.get_absolute_url(),
        f"/documents/{corpus.politburo.pk}.json",
        f"/documents/{corpus.politburo.pk}.ris",
        "/people/",
        "/people/?q=Gromyko",
        corpus.gromyko.get_absolute_url(),
        "/organizations/",
        organization.get_absolute_url(),
        "/repositories/",
        corpus.aprf.get_absolute_url(),
    ]
    assert Person.objects.exists()
    for path in pages:
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica_1"]) as replica,
        ):
            assert client.get(path).status_code == 200, path
        assert replica.captured_queries, path
        assert not primary.captured_queries, (path, primary.captured_queries[0]["sql"][:200])
