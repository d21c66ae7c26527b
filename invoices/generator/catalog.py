"""What the generated shops work on: makes, complaints, parts, names."""

MAKES = [
    ("1FU", "Freightliner", ["Cascadia", "M2 106", "Columbia"]),
    ("1XK", "Kenworth", ["T680", "W900", "T880"]),
    ("1XP", "Peterbilt", ["579", "389", "567"]),
    ("4V4", "Volvo", ["VNL 760", "VNR 640"]),
    ("1HT", "International", ["LT625", "HV513", "MV607"]),
    ("5PV", "Hino", ["268A", "L6", "Conventional Type Truck"]),
    ("1M1", "Mack", ["Anthem", "Granite", "Pinnacle"]),
]
UNIT_TYPES = [
    ("Truck", "Tractor"),
    ("Truck", "Box truck"),
    ("Trailer", "Dry van"),
    ("Truck", "Dump"),
]
FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Chris",
    "Pat",
    "Morgan",
    "Casey",
    "Jamie",
    "Robin",
    "Drew",
    "Lee",
    "Terry",
]
LAST = ["Moe", "Doe", "Lee", "Poe", "Roe", "Kim", "Diaz", "Nash", "Ortiz", "Berg", "Young", "Khan"]
CUSTOMER_WORDS = [
    "NORTHWIND",
    "BLUE RIDGE",
    "PRAIRIE",
    "IRONHORSE",
    "LAKESHORE",
    "SUMMIT",
    "REDLINE",
    "GREAT PLAINS",
    "KEYSTONE",
    "CANYON",
    "HARBOR",
    "MIDWEST",
    "PIONEER",
    "EAGLE",
]
CUSTOMER_KINDS = ["FREIGHT LLC", "LOGISTICS INC", "TRANSPORT CO", "HAULING", "CARRIERS", "EXPRESS"]
COMPLAINTS = [
    ("CHK ENGINE LIGHT- LOW POWER", "ENGINE", "EXHAUST"),
    ("PM SERVICE A", "CHASSIS MAINTENANCE", "MAINTENANCE"),
    ("BRAKES GRINDING", "BRAKES", "CHASSIS"),
    ("AIR LEAK AT TRAILER", "AIR SYSTEM", "CHASSIS"),
    ("A/C BLOWING WARM", "HVAC", "CAB"),
    ("DPF REGEN FAILING", "AFTERTREATMENT", "EXHAUST"),
    ("OIL LEAK", "ENGINE", "ENGINE"),
    ("TIRE WORN", "TIRES", "CHASSIS"),
    ("DOT INSPECTION", "INSPECTION", "MAINTENANCE"),
    ("LIGHTS OUT", "ELECTRICAL", "ELECTRICAL"),
    ("COOLANT LEAK", "COOLING", "ENGINE"),
]
PARTS = [  # shop part number, vendor part number, description, category, cost
    ("05-32664-000", "HH-5566", "HOSE - HEATER", "Hoses", "12.83"),
    ("P551807", "DON-P551807", "FILTER - OIL", "Filters", "18.40"),
    ("FF5636", "FLG-FF5636", "FILTER - FUEL", "Filters", "24.10"),
    ("", "BNDX-E10", "BRAKE SHOE KIT", "Brakes", "58.25"),
    ("ABS-SENSOR", "", "ABS SENSOR", "Electrical", "41.00"),
    ("", "", "LED MARKER LAMP", "Lighting", "6.75"),
    ("CHMB-3030", "TSE-3030", "BRAKE CHAMBER 30/30", "Brakes", "36.90"),
    ("15W40-GAL", "", "OIL 15W40 (GAL)", "Fluids", "11.20"),
    ("BELT-K08", "GATES-K08", "SERPENTINE BELT", "Belts", "32.00"),
    ("", "", "GLADHAND SEAL", "Air system", "0.85"),
]
FREIGHT_PARTS = [
    ("FRT", "", "FREIGHT", "Freight"),
    ("", "", "SHIPPING - NEXT DAY", "Parts"),
    ("", "", "Inbound delivery", "Shipping"),
]
SUPPLY_PARTS = [
    ("RAGS", "", "SHOP RAGS", "Shop Supplies"),
    ("", "", "BRAKE CLEANER", "Shop supplies"),
]
PORTIONS = [[100], [100], [50, 50], [60, 40], [70, 30], ["33.33", "33.33", "33.34"], [40, 30, 30]]
