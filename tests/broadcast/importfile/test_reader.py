"""Reading a file leaves the process's cycle collector as it found it."""

import gc

import pytest

from broadcast.importfile import ImportFileError, read_user_file

FILE = "Nom;Téléphone\nMartin;06 12 34 56 78\n".encode()


def test_the_cycle_collector_runs_again_once_a_file_is_read() -> None:
    assert gc.isenabled()
    assert read_user_file(FILE, filename="f.csv").rows[0].phone == "+33612345678"
    assert gc.isenabled()
    with pytest.raises(ImportFileError):
        read_user_file(b"Nom;Note\nMartin;x\n", filename="f.csv")
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        read_user_file(FILE, filename="f.csv")
        assert not gc.isenabled()
    finally:
        gc.enable()
