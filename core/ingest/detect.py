"""Guess what a staged file is (its role) and which column means what (its mapping).

Names first: the conventions exports actually use (reviewerID, asin, overall, InvoiceNo,
StockCode, "Clothing ID", ...). Content second, for files without a header or with unknown
names: id-like, star ratings, unix seconds, dates, e-mails, one-hot flags, long text.
Every proposed column carries a confidence and a reason the UI can show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

ROLES = ("interactions", "reviews", "products", "customers", "campaign_results")

# field -> normalised names (lowercase, letters and digits only)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customerid",
        "custid",
        "customer",
        "userid",
        "user",
        "reviewerid",
        "clientid",
        "memberid",
        "buyerid",
        "accountid",
        "uid",
        "visitorid",
        "customerno",
        "customernumber",
        "shopperid",
    ),
    "product_id": (
        "productid",
        "itemid",
        "item",
        "asin",
        "sku",
        "stockcode",
        "movieid",
        "productcode",
        "articleid",
        "clothingid",
        "isbn",
        "bookid",
        "prodid",
        "pid",
        "iid",
        "product",
        "parentasin",
        "variantid",
    ),
    "order_id": (
        "orderid",
        "invoiceno",
        "invoice",
        "invoiceid",
        "invoicenumber",
        "ordernumber",
        "orderno",
        "transactionid",
        "basketid",
        "receiptid",
        "saleid",
    ),
    "review_id": ("reviewid", "commentid", "feedbackid"),
    "campaign": ("campaign", "campaignid", "campaignname", "campaigncode", "mailingid", "blastid"),
    "message_id": ("messageid", "creativeid", "emailid", "templateid"),
    "ab_group": ("abgroup", "testgroup", "experimentgroup", "controlgroup", "variant", "variantname", "arm", "cell"),
    "delivered": ("delivered", "isdelivered"),
    "opened": ("opened", "isopened", "opens", "open", "openedat"),
    "clicked": ("clicked", "isclicked", "clicks", "click", "clickedat"),
    "converted": ("converted", "isconverted", "conversion", "conversions", "convertedat"),
    "revenue": ("revenue", "conversionvalue", "attributedrevenue", "campaignrevenue"),
    "offer": ("offer", "offered", "promotedcategory", "promotedproduct", "offertarget"),
    "discount": ("discount", "discountshare", "discountrate", "percentoff", "discountpercent"),
    "rating": ("rating", "overall", "stars", "star", "score", "starrating", "reviewrating", "rate", "reviewscore"),
    "quantity": ("quantity", "qty", "units", "unitssold", "quantityordered", "count"),
    "unit_price": ("unitprice", "priceeach", "itemprice", "saleprice", "pricepaid", "priceperunit"),
    "price": ("price", "listprice", "msrp", "retailprice", "productprice", "cost"),
    "timestamp": (
        "timestamp",
        "date",
        "time",
        "datetime",
        "invoicedate",
        "orderdate",
        "unixreviewtime",
        "reviewtime",
        "reviewdate",
        "purchasedate",
        "eventtime",
        "ts",
        "createdat",
        "orderdatetime",
        "transactiondate",
        "ratedat",
        "sentat",
        "senttime",
        "sendtime",
        "sentdate",
        "senddate",
    ),
    "text": (
        "reviewtext",
        "text",
        "review",
        "body",
        "comment",
        "comments",
        "feedback",
        "content",
        "reviewbody",
        "reviewcontent",
        "opinion",
    ),
    "review_title": ("summary", "reviewtitle", "headline", "reviewsummary", "reviewheadline"),
    "product_title": (
        "title",
        "productname",
        "productTitle".lower(),
        "itemname",
        "moviename",
        "movietitle",
        "producttitle",
        "itemtitle",
        "articlename",
    ),
    "description": ("description", "productdescription", "details", "about", "itemdescription", "feature"),
    "category": (
        "category",
        "categories",
        "genre",
        "genres",
        "department",
        "departmentname",
        "classname",
        "divisionname",
        "maincat",
        "producttype",
        "productcategory",
        "categoryname",
        "subcategory",
    ),
    "brand": ("brand", "manufacturer", "maker", "vendor", "brandname", "label"),
    "name": ("name", "fullname", "customername", "username", "reviewername", "clientname"),
    "email": ("email", "emailaddress", "mail", "eMail".lower()),
    "age": ("age", "ageyears", "customerage"),
    "gender": ("gender", "sex"),
    "occupation": ("occupation", "job", "profession", "jobtitle"),
    "location": (
        "location",
        "city",
        "country",
        "zip",
        "zipcode",
        "postcode",
        "postalcode",
        "region",
        "state",
        "address",
        "town",
    ),
    "signup_date": (
        "signupdate",
        "signup",
        "joined",
        "joindate",
        "registrationdate",
        "registered",
        "membersince",
        "firstseen",
        "customersince",
    ),
    "event_type": ("eventtype", "event", "action", "interactiontype", "activity"),
}
_BY_NAME = {syn: f for f, syns in SYNONYMS.items() for syn in syns}
GENDERS = {"m", "f", "male", "female", "woman", "man", "w", "other", "x", "non-binary", "nonbinary", "diverse"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_UNIX_RANGE = (6e8, 2.2e9)


@dataclass(frozen=True)
class ColumnGuess:
    """One source column's proposed meaning."""

    column: str
    field: str | None  # None: not used
    confidence: float  # 0..1
    reason: str


@dataclass(frozen=True)
class Proposal:
    """What a file is and how its columns map; editable by the user."""

    role: str
    columns: tuple[ColumnGuess, ...]
    role_confidence: float

    def mapping(self) -> dict[str, str]:
        """source column -> field, for the used columns."""
        return {g.column: g.field for g in self.columns if g.field}


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Profile:
    """What a column's values look like, from a sample."""

    filled: float
    numeric: float
    integer: float
    low: float
    high: float
    distinct: float
    avg_len: float
    dates: float
    unix: float
    emails: float
    genders: float
    binary: float
    values: int
    unique: int = 0


def profile(values: pd.Series) -> Profile:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    n = max(len(values), 1)
    if text.empty:
        return Profile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    money = text.str.replace(r"^[^\d\-.]+|,", "", regex=True)
    nums = pd.to_numeric(money, errors="coerce")
    numeric = float(nums.notna().mean())
    ints = nums.dropna()
    integer = float((ints == ints.round()).mean()) if len(ints) else 0.0
    low, high = (float(ints.min()), float(ints.max())) if len(ints) else (0.0, 0.0)
    unix = float(ints.between(*_UNIX_RANGE).mean()) if len(ints) else 0.0
    sample = text.head(500)
    dates = 0.0
    if numeric < 0.5:
        dates = _date_share(sample)
    return Profile(
        filled=len(text) / n,
        numeric=numeric,
        integer=integer,
        low=low,
        high=high,
        distinct=text.nunique() / len(text),
        avg_len=float(text.str.len().mean()),
        dates=dates,
        unix=unix,
        emails=float(sample.str.match(_EMAIL).mean()),
        genders=float(sample.str.lower().isin(GENDERS).mean()),
        binary=float(text.isin(["0", "1"]).mean()),
        values=len(text),
        unique=int(text.nunique()),
    )


def _date_share(sample: pd.Series) -> float:
    """Share of `sample` that reads as a date. Text without a digit is not one (that skips dateutil's
    slow guessing for names and descriptions); ISO dates take pandas' fast parser first."""
    digits = sample[sample.str.contains(r"\d", regex=True)]
    if digits.empty:
        return 0.0
    parsed = pd.to_datetime(digits, errors="coerce", format="ISO8601")
    rest = digits[parsed.isna()]
    found = int(parsed.notna().sum())
    if len(rest):
        found += int(pd.to_datetime(rest, errors="coerce", format="mixed").notna().sum())
    return found / len(sample)


def propose(
    sample: pd.DataFrame,
    has_header: bool,
    role: str | None = None,
    remembered: dict[str, str] | None = None,
    profiles: dict[str, Profile] | None = None,
) -> Proposal:
    """Proposed role and mapping for a sample of a staged table (all-text columns).

    `profiles` (column -> Profile of `sample`) may be passed when the caller already has them.
    """
    columns = [c for c in sample.columns if c != "_line"]
    profiles = profiles or {c: profile(sample[c]) for c in columns}
    if remembered:
        guesses = {
            c: ColumnGuess(c, remembered.get(c), 1.0, "remembered from your last upload of this file") for c in columns
        }
        return Proposal(role or _role_of(guesses, profiles)[0], tuple(guesses[c] for c in columns), 1.0)
    guesses = {c: _by_name(c) for c in columns} if has_header else {}
    guesses = {c: guesses.get(c) or ColumnGuess(c, None, 0.0, "no match") for c in columns}
    guesses = _by_content(guesses, profiles, has_header)
    chosen, role_conf = (role, 1.0) if role else _role_of(guesses, profiles)
    guesses = _one_column_per_field(_resolve_for_role(guesses, profiles, chosen))
    return Proposal(chosen, tuple(guesses[c] for c in columns), role_conf)


def _one_column_per_field(guesses: dict[str, ColumnGuess]) -> dict[str, ColumnGuess]:
    """Where several columns claim a field, the most confident (then the first) keeps it."""
    out = dict(guesses)
    best: dict[str, ColumnGuess] = {}
    for g in guesses.values():
        if g.field and g.field != "category_flag" and (g.field not in best or g.confidence > best[g.field].confidence):
            best[g.field] = g
    for c, g in guesses.items():
        if g.field in best and best[g.field].column != c:
            out[c] = ColumnGuess(c, None, g.confidence, f"also looks like {g.field}; '{best[g.field].column}' is used")
    return out


def _by_name(column: str) -> ColumnGuess | None:
    key = normalise(column)
    if key in _BY_NAME:
        return ColumnGuess(column, _BY_NAME[key], 0.95, f"column name '{column}'")
    for syn, field in sorted(_BY_NAME.items(), key=lambda kv: -len(kv[0])):
        if len(syn) >= 5 and (key.endswith(syn) or key.startswith(syn)):
            return ColumnGuess(column, field, 0.7, f"column name '{column}' resembles '{syn}'")
    return None


def _by_content(
    guesses: dict[str, ColumnGuess], profiles: dict[str, Profile], has_header: bool
) -> dict[str, ColumnGuess]:
    """Content rules. With a header only the unmistakable ones (flags, e-mails, genders, unix times)
    apply: an unknown column name is better left unused than guessed."""
    out = dict(guesses)
    taken = {g.field for g in out.values() if g.field}
    flags = [c for c, p in profiles.items() if out[c].field is None and p.binary > 0.99 and p.values > 0]
    if len(flags) >= 3:
        for c in flags:
            out[c] = ColumnGuess(c, "category_flag", 0.6, "0/1 values: one of several category flags")
    ids = []
    for c, p in profiles.items():
        if out[c].field is not None or p.values == 0:
            continue
        field, conf, why = _content_field(p, taken)
        if has_header and field not in ("email", "gender") and not (field == "timestamp" and p.unix > 0.9):
            continue
        if field == "id":
            ids.append(c)
        elif field:
            out[c] = ColumnGuess(c, field, conf, why)
            taken.add(field)
    if ids and profiles[ids[0]].distinct > 0.99:  # one row per entity: only the first id is a key
        free = [f for f in ("customer_id", "product_id") if f not in taken]
        if free:
            out[ids[0]] = ColumnGuess(ids[0], free[0], 0.5, "unique whole numbers: the row's id")
        for c in ids[1:]:
            if 4 <= profiles[c].avg_len <= 10 and "location" not in taken:
                out[c] = ColumnGuess(c, "location", 0.3, "codes of 4 to 10 digits, like postcodes")
                taken.add("location")
        return out
    for c, field in zip(ids, [f for f in ("customer_id", "product_id") if f not in taken], strict=False):
        out[c] = ColumnGuess(c, field, 0.5, "id-like values (customer first, then product, by convention)")
    return out


def _content_field(p: Profile, taken: set[str]) -> tuple[str | None, float, str]:
    def free(field: str) -> bool:
        return field not in taken

    if p.emails > 0.8 and free("email"):
        return "email", 0.8, "values look like e-mail addresses"
    if p.genders > 0.9 and free("gender"):
        return "gender", 0.8, "values look like gender codes"
    if p.numeric > 0.98 and p.integer > 0.98 and p.unix > 0.98 and free("timestamp"):
        return "timestamp", 0.8, "integers in the range of unix seconds"
    if p.numeric > 0.98 and p.low >= 1 and p.high <= 5 and p.unique <= 10 and p.values >= 20 and free("rating"):
        return "rating", 0.7, "numbers from 1 to 5"
    if p.dates > 0.9 and free("timestamp"):
        return "timestamp", 0.6, "values parse as dates"
    if p.numeric > 0.98 and p.integer > 0.98 and p.low >= 5 and p.high <= 110 and p.distinct < 0.2 and free("age"):
        return "age", 0.5, "whole numbers between 5 and 110"
    if p.numeric > 0.98 and p.integer > 0.98:
        return "id", 0.5, "whole numbers"
    if p.avg_len > 60:
        return ("text", 0.5, "long free text") if free("text") else ("description", 0.4, "long free text")
    if p.avg_len > 12 and p.distinct > 0.5 and free("product_title"):
        return "product_title", 0.4, "short distinct text"
    if p.distinct < 0.05 and p.avg_len > 2 and free("occupation"):
        return "occupation", 0.3, "a few repeated words"
    if p.numeric < 0.5 and p.avg_len <= 12 and p.distinct > 0.02 and free("location"):
        return "location", 0.3, "short codes or places"
    return None, 0.0, "no pattern recognised"


def _role_of(guesses: dict[str, ColumnGuess], profiles: dict[str, Profile]) -> tuple[str, float]:
    fields = {g.field for g in guesses.values() if g.field}
    has = fields.__contains__
    scores = {
        "reviews": 3 * has("text")
        + has("review_title")
        + has("rating")
        + 0.5 * (has("customer_id") and has("product_id")),
        "interactions": 2 * (has("customer_id") and has("product_id"))
        + has("quantity")
        + has("unit_price")
        + has("order_id")
        + 0.5 * has("rating")
        + 0.5 * has("timestamp"),
        "products": 2 * (has("product_id") and not has("customer_id"))
        + has("product_title")
        + has("category")
        + has("category_flag")
        + has("price")
        + has("brand")
        + 0.5 * has("description"),
        "campaign_results": 3 * has("campaign")
        + has("ab_group")
        + has("opened")
        + has("clicked")
        + has("converted")
        + has("delivered")
        + 0.5 * has("revenue"),
        "customers": 2 * (has("customer_id") and not has("product_id"))
        + has("age")
        + has("gender")
        + has("email")
        + has("occupation")
        + 0.5 * has("location")
        + has("signup_date")
        + 0.5 * has("name"),
    }
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    return best, float(np.clip((top - second) / max(top, 1e-9), 0.2, 1.0)) if top > 0 else 0.0


def _resolve_for_role(
    guesses: dict[str, ColumnGuess], profiles: dict[str, Profile], role: str
) -> dict[str, ColumnGuess]:
    """Fields whose meaning depends on what the file is (title, price, name, description, ids)."""
    out = dict(guesses)
    fields = {g.field for g in out.values()}
    for c, g in out.items():
        swap = None
        if role == "reviews" and g.field == "product_title" and normalise(c) == "title":
            swap = "review_title"
        elif role == "interactions" and g.field == "price" and "unit_price" not in fields:
            swap = "unit_price"
        elif role in ("products",) and g.field == "unit_price" and "price" not in fields:
            swap = "price"
        elif (
            role == "products"
            and g.field == "name"
            and "product_title" not in fields
            or role == "interactions"
            and g.field == "description"
            and "product_title" not in fields
            and profiles[c].avg_len < 80
        ):
            swap = "product_title"
        elif role == "products" and g.field == "text" and "description" not in fields:
            swap = "description"
        elif role == "customers" and g.field == "timestamp" and "signup_date" not in fields:
            swap = "signup_date"
        elif role == "products" and g.field == "customer_id" and "product_id" not in fields:
            swap = "product_id"
        if swap:
            out[c] = ColumnGuess(c, swap, g.confidence, f"{g.reason}, read as {swap} in a {role} file")
            fields = {x.field for x in out.values()}
    return out
