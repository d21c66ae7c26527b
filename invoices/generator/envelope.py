"""The getInvoices.php envelope around a page of invoices."""


def response_page(invoices: list[dict], *, page: int = 1, page_size: int = 100) -> dict:
    """A ``getInvoices.php`` envelope for one page of ``invoices``."""
    total = len(invoices)
    pages = max(1, -(-total // page_size))
    chunk = invoices[(page - 1) * page_size : page * page_size]
    first = (page - 1) * page_size + 1
    return {
        "status": "SUCCESS",
        "startRecordNumber": first if chunk else 0,
        "endRecordNumber": first + len(chunk) - 1,
        "resultCount": len(chunk),
        "totalCount": total,
        "pageSize": page_size,
        "currentPage": page,
        "totalPages": pages,
        "resultSet": chunk,
    }
