import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


@pytest.mark.django_db
def test_healthz_fails_when_the_broker_does_not_answer(client, settings, monkeypatch):
    from django_q.brokers import Broker

    def broken_ping(self):
        raise ConnectionError("broker is down")

    monkeypatch.setattr(Broker, "ping", broken_ping)
    monkeypatch.setattr("django_q.brokers.orm.ORM.ping", broken_ping, raising=False)
    monkeypatch.setattr("django_q.brokers.redis_broker.Redis.ping", broken_ping, raising=False)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] is False
