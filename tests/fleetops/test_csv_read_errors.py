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


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # a quote closed with text after it: read leniently, the cell became "Rush order"
        ('orderNumber,comments\n10100,ok\n10101,"Rush" order\n10102,ok\n', 3),
        # a quote never closed: read leniently, the rest of the file became one cell
        ('orderNumber,comments\n10100,ok\n10101,"never closed\n10102,ok\n10103,ok\n', 3),
    ],
)
def test_bad_quoting_is_refused_naming_the_line_its_record_starts_on(text, line):
    with pytest.raises(CSVReadError) as refused:
        CSV().create_dataset(text)

    message = str(refused.value)
    assert message.startswith(f"Line {line}: bad quoting in the record starting here")
    assert 'a quote inside it is doubled ("")' in message


def test_well_quoted_line_breaks_and_doubled_quotes_still_read():
    text = 'orderNumber,comments\n10100,"two\nlines"\n10101,"say ""hi"", then go"\n10102,x\n'

    dataset = CSV().create_dataset(text)

    assert dataset.dict == [
        {"orderNumber": "10100", "comments": "two\nlines"},
        {"orderNumber": "10101", "comments": 'say "hi", then go'},
        {"orderNumber": "10102", "comments": "x"},
    ]
    assert dataset.line_numbers == [2, 4, 5]
