"""An admin CSV import that cannot be read as a table says where and why."""

import pytest

from fleetops.formats import CSV, CSVReadError


def test_a_row_with_more_cells_than_the_header_names_its_line_and_the_likely_unquoted_comma():
    text = "checkNumber,amount\nHQ1,100.00\nHQ2,1,000.00\n"  # line 3: an amount unquoted

    with pytest.raises(CSVReadError) as refused:
        CSV().create_dataset(text)

    message = str(refused.value)
    assert message.startswith("Line 3 has 3 cells, the header 2")
    assert "must be in quotes" in message


def test_a_quoted_amount_with_a_comma_reads_as_one_cell():
    dataset = CSV().create_dataset('checkNumber,amount\nHQ2,"1,000.00"\n')

    assert dataset.dict == [{"checkNumber": "HQ2", "amount": "1,000.00"}]
