"""import_checkpoint.py's command line at parse time: the external-data threshold's default and
its limit, refused before any weight is read."""
import pytest

import import_checkpoint


def test_external_data_threshold_defaults_small_and_stays_under_protobufs_limit(capsys):
    # big towers keep their weights beside the graph (ORT would copy them once more from the
    # protobuf); no file can pass protobuf's 2 GB, so a larger threshold is refused up front
    base = ["--base", "b", "--out", "o"]
    assert import_checkpoint.parse(base).external_data_over == import_checkpoint.EXTERNAL_OVER < 100 * 2**20
    assert import_checkpoint.parse([*base, "--external-data-over", "0"]).external_data_over == 0
    with pytest.raises(SystemExit):
        import_checkpoint.parse([*base, "--external-data-over", str(import_checkpoint.PROTOBUF_LIMIT + 1)])
    assert "protobuf's limit" in capsys.readouterr().err
