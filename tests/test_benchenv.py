"""make bench on PostgreSQL: a bench database of its own, never DATABASE_URL's data."""

from demo.benchenv import bench_database_url, is_postgres


def test_the_bench_database_is_another_one_on_the_same_server():
    url, name, server = bench_database_url("postgres://postgres@127.0.0.1:5432/iscg_g", 42)
    assert name == "iscg_g_bench_42"
    assert url == "postgres://postgres@127.0.0.1:5432/iscg_g_bench_42"
    assert server == "postgresql://postgres@127.0.0.1:5432/postgres"


def test_only_postgresql_urls_get_a_bench_database():
    assert is_postgres("postgresql://u@h/db") and is_postgres("postgres://u@h/db")
    assert not is_postgres("sqlite:////tmp/db.sqlite3")
