"""Realistic Fullbay payloads: ``FullbayGenerator(seed).invoice(n)``, ``response_page``."""

from invoices.generator.core import FullbayGenerator
from invoices.generator.envelope import response_page
from invoices.generator.vin import make_vin

__all__ = ["FullbayGenerator", "make_vin", "response_page"]
