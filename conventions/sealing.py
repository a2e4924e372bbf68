"""The final signed PDF: its certificate of signature, the organisation's PAdES seal, and the
verification of any signed PDF (pyHanko).

- ``certificate_html`` writes the "Certificat de signature" page appended to the frozen signed
  text (who signed for each party, when, how, from where, and the SHA-256 of the document they
  signed); ``paper_evidence`` builds its lines from the signatures recorded on paper.
- ``seal_pdf`` applies the managing organisation's seal (PAdES B-B, a certification signature
  that still allows later signatures and timestamps) as an incremental update: the rendered
  bytes are kept as they are, so a PDF/A stays PDF/A. The PKCS#12 named by the settings
  (``SEAL_PKCS12_PATH``, ``SEAL_PKCS12_PASSWORD``) is loaded once per process.
- ``verify_pdf`` checks every signature of a PDF: signer, time, integrity, trust (our own seal
  certificate is the one trust root: nothing is fetched from the network), coverage, and whether
  it is our seal. Pure functions on bytes; the database is only read by ``paper_evidence``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from iscg.formatting import format_date_long, format_datetime_long

logger = logging.getLogger(__name__)

#: In the subject of the demonstration certificate (``make_certificate(demo=True)``).
DEMO_LABEL = "Certificat de démonstration — sans valeur juridique"
#: The seal's signature field in the final PDF.
SEAL_FIELD = "Sceau"
PAPER_METHOD = "manuscrite"


class SealUnavailable(RuntimeError):
    """The seal certificate is missing or unreadable (French message)."""


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class SignatureEvidence:
    """What is known of one party's signature (``conventions.signing.signature_evidence`` gives
    those of the electronic circuit; ``paper_evidence`` those recorded on paper)."""

    party_label: str
    signer_name: str
    #: A moment for an electronic signature; the day only for a paper one.
    signed_at: dt.datetime | dt.date | None
    method: str
    ip: str = ""
    user_agent: str = ""
    document_sha256: str = ""

    @property
    def when_text(self) -> str:
        """ "3 juillet 2023 à 14:05" (local time), or the day alone when no time is known."""
        if isinstance(self.signed_at, dt.datetime):
            return format_datetime_long(self.signed_at)
        if self.signed_at is None:
            return "(non précisée)"
        return f"{format_date_long(self.signed_at)} (heure non enregistrée)"

    @property
    def method_text(self) -> str:
        if self.method == PAPER_METHOD:
            return "Signature manuscrite"
        return self.method[:1].upper() + self.method[1:]


def paper_evidence(convention) -> list[SignatureEvidence]:
    """One line per signatory party of ``convention``, from the signatures recorded on paper
    (``ConventionParty.signed_on``, ``signatory_name``); no IP, no user agent."""
    from conventions.models import DocumentKind
    from conventions.wording import with_article

    frozen = (
        convention.documents.filter(kind=DocumentKind.GENERATED, is_frozen=True)
        .order_by("-number")
        .first()
    )
    digest = frozen.sha256 if frozen is not None else ""
    evidence = []
    memberships = convention.memberships.filter(is_signatory=True).select_related(
        "party", "representative"
    )
    for membership in memberships.order_by("order", "pk"):
        name = membership.signatory_name or (
            membership.representative.name if membership.representative else ""
        )
        evidence.append(
            SignatureEvidence(
                party_label=with_article(membership.party.name, membership.party.kind),
                signer_name=name,
                signed_at=membership.signed_on,
                method=PAPER_METHOD,
                document_sha256=digest,
            )
        )
    return evidence


def certificate_html(convention, evidence: list[SignatureEvidence], document_sha256: str) -> str:
    """The "Certificat de signature" page (HTML for the document's stylesheet) appended to the
    signed text: each signer, date and time, method, IP, and the SHA-256 of the document signed."""
    return render_to_string(
        "conventions/pdf/certificate.html",
        {
            "convention": convention,
            "evidence": evidence,
            "document_sha256": document_sha256,
            "sha_groups": [document_sha256[i : i + 16] for i in range(0, len(document_sha256), 16)],
            "any_ip": any(e.ip for e in evidence),
            "organisation": convention.organisation.name,
        },
    )


def with_certificate(html: str, certificate: str) -> str:
    """The document's HTML with the certificate page added at the end of its body."""
    head, marker, tail = html.rpartition("</body>")
    if not marker:
        return html + certificate
    return f"{head}{certificate}\n{marker}{tail}"


# --------------------------------------------------------------------------- certificate


def make_certificate(
    path: Path | str,
    password: str,
    *,
    organisation: str,
    common_name: str = "Sceau de l'organisation",
    demo: bool = True,
    years: int = 10,
) -> bytes:
    """Write a self-signed PKCS#12 (RSA 2048 key, its certificate) for the organisation's seal
    and return it. ``demo``: the subject says "Certificat de démonstration — sans valeur
    juridique" (the organisational unit, shown by PDF readers with the signer)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
    ]
    if demo:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_LABEL))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    name = x509.Name(attributes)
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what a seal asserts
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        common_name.encode(),
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)
    return data


@functools.cache
def _load_seal(path: str, password: str, stamp: tuple[int, int]):
    """The signer of the PKCS#12 at ``path`` (``stamp``: its mtime and size, so that a
    replaced file is read again); once per process."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class Seal(signers.SimpleSigner):
        """pyHanko's signer, with its private key parsed once (pyHanko parses it again for
        each signature: about 30 ms, twice per seal)."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            key = self.__dict__.get("_parsed_key")
            if key is None:
                key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
                self.__dict__["_parsed_key"] = key
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if isinstance(key, RSAPrivateKey) and mechanism.signature_algo == "rsassa_pkcs1v15":
                return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)

    try:
        data = Path(path).read_bytes()
        loaded = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=password.encode() if password else None
        )
    except (OSError, ValueError) as error:
        raise SealUnavailable(
            f"Le certificat du sceau ({path}) ne peut pas être lu : vérifiez le fichier et son "
            "mot de passe (SEAL_PKCS12_PATH, SEAL_PKCS12_PASSWORD)."
        ) from error
    seal = Seal(
        signing_key=loaded.signing_key,
        signing_cert=loaded.signing_cert,
        cert_registry=loaded.cert_registry,
    )
    # Room for the signature container: the certificates it carries, the signature, its
    # attributes (pyHanko would otherwise sign once more to measure it).
    certificates = [seal.signing_cert, *seal.cert_registry]
    seal.reserved_bytes = 4096 + 2 * sum(len(c.dump()) for c in certificates)
    return seal


def seal_signer():
    """The organisation's seal (pyHanko ``SimpleSigner``) from the settings; ``SealUnavailable``
    when the file is missing or unreadable."""
    path = Path(settings.SEAL_PKCS12_PATH)
    try:
        stat = path.stat()
    except OSError as error:
        raise SealUnavailable(
            f"Le certificat du sceau est introuvable ({path}) : créez un certificat de "
            "démonstration (python manage.py seal_certificate --demo) ou indiquez le vôtre "
            "(SEAL_PKCS12_PATH)."
        ) from error
    return _load_seal(str(path), settings.SEAL_PKCS12_PASSWORD, (stat.st_mtime_ns, stat.st_size))


def seal_fingerprint() -> str:
    """SHA-256 of our seal certificate (DER), "" when no seal is configured."""
    try:
        return hashlib.sha256(seal_signer().signing_cert.dump()).hexdigest()
    except SealUnavailable:
        return ""


def _outside_event_loop(function):
    """Run ``function`` where pyHanko may start its own event loop (``asyncio.run``): at once
    in a worker or a request, in a thread of its own when the caller already runs a loop (a
    browser test driving the page while the queue runs in the same thread)."""
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def seal_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    """``pdf`` sealed by the organisation (PAdES B-B), as an incremental update of its bytes."""
    return _outside_event_loop(lambda: _seal(pdf, reason=reason, location=location))


def _seal(pdf: bytes, *, reason: str, location: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = seal_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=settings.SEAL_LABEL,
        certify=True,
        # Later signatures and archive timestamps stay possible; any other change shows.
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    output = signers.PdfSigner(meta, signer=signer).sign_pdf(
        writer, bytes_reserved=signer.reserved_bytes
    )
    return output.getvalue()


# --------------------------------------------------------------------------- verification


class Coverage(StrEnum):
    ENTIRE_FILE = "entire_file"
    #: Later revisions only add signatures, form values or archive timestamps.
    ENTIRE_REVISION = "entire_revision"
    #: Modified after signing (or a byte range that covers less than its revision).
    PARTIAL = "partial"


COVERAGE_LABELS = {
    Coverage.ENTIRE_FILE: "la signature couvre tout le fichier",
    Coverage.ENTIRE_REVISION: (
        "la signature couvre sa version du fichier ; seules d'autres signatures ou des "
        "horodatages ont été ajoutés ensuite"
    ),
    Coverage.PARTIAL: "le fichier a été modifié après la signature",
}


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of a PDF, as verified."""

    field_name: str
    signer: str
    signed_at: dt.datetime | None
    intact: bool
    valid: bool
    coverage: Coverage
    is_ours: bool
    is_timestamp: bool = False
    error: str = ""

    @property
    def modified(self) -> bool:
        return self.coverage == Coverage.PARTIAL

    @property
    def ok(self) -> bool:
        """Intact and covering the file (what a signed copy must be to be accepted)."""
        return not self.error and self.intact and not self.modified

    @property
    def summary(self) -> list[str]:
        """Plain French lines for display."""
        if self.error:
            return [self.error]
        kind = "Horodatage par" if self.is_timestamp else "Signataire"
        lines = [f"{kind} : {self.signer or 'inconnu (certificat sans nom)'}"]
        if self.signed_at is not None:
            lines.append(f"Date de signature : {format_datetime_long(self.signed_at)}")
        lines.append(
            "Intégrité : le contenu signé est intact."
            if self.intact
            else "Intégrité : ROMPUE, le contenu signé ne correspond plus à la signature."
        )
        lines.append(f"Couverture : {COVERAGE_LABELS[self.coverage]}.")
        if self.is_ours:
            lines.append("Sceau de l'organisation : oui, certificat reconnu.")
        elif self.valid:
            lines.append("Certificat : reconnu.")
        else:
            lines.append(
                "Certificat : non reconnu par l'application (il n'est pas celui de notre sceau ; "
                "sa chaîne de confiance n'est pas vérifiée ici)."
            )
        return lines


@dataclass(frozen=True)
class PdfVerification:
    sha256: str
    signatures: list[SignatureCheck] = field(default_factory=list)
    #: The file could not be read as a PDF (French message).
    error: str = ""

    @property
    def is_signed(self) -> bool:
        return bool(self.signatures)

    @property
    def is_intact(self) -> bool:
        """Every signature intact and none modified after signing (False when unsigned)."""
        return not self.error and self.is_signed and all(check.ok for check in self.signatures)

    @property
    def is_sealed_by_us(self) -> bool:
        """Sealed by the organisation, and unchanged since."""
        return self.is_intact and any(c.is_ours and c.valid for c in self.signatures)

    @property
    def problem(self) -> str:
        """Why this file is not an intact signed PDF (French), "" when it is or is unsigned."""
        if self.error:
            return self.error
        for check in self.signatures:
            if check.error:
                return check.error
            if not check.intact:
                return (
                    f"La signature de {check.signer or 'signataire inconnu'} est rompue : le "
                    "contenu signé a été modifié."
                )
            if check.modified:
                return (
                    f"Le fichier a été modifié après la signature de "
                    f"{check.signer or 'signataire inconnu'}."
                )
        return ""

    @property
    def summary(self) -> str:
        if self.error:
            return self.error
        if not self.is_signed:
            return "Ce PDF ne porte aucune signature électronique."
        if self.problem:
            return f"Vérification échouée : {self.problem}"
        if self.is_sealed_by_us:
            return "Document intact, scellé par l'organisation."
        count = len(self.signatures)
        return (
            "Document intact : la signature est valide et couvre le fichier."
            if count == 1
            else f"Document intact : les {count} signatures sont intactes et couvrent le fichier."
        )


def _signer_label(certificate) -> str:
    """ "CN, O" of a certificate's subject (asn1crypto)."""
    subject = certificate.subject.native
    parts = [subject.get("common_name"), subject.get("organization_name")]
    labels = []
    for part in parts:
        if isinstance(part, list):
            part = ", ".join(part)
        if part and part not in labels:
            labels.append(str(part))
    return ", ".join(labels)


def _coverage(status) -> Coverage:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Coverage.ENTIRE_FILE
    if (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level
        in (ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)
        and status.docmdp_ok is not False
    ):
        return Coverage.ENTIRE_REVISION
    return Coverage.PARTIAL


def _check(embedded, context, ours: str) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp

    name = embedded.field_name or ""
    try:
        if embedded.sig_object_type == "/DocTimeStamp":
            status = validate_pdf_timestamp(embedded, validation_context=context)
            signed_at = status.timestamp
            is_timestamp = True
        else:
            status = validate_pdf_signature(embedded, signer_validation_context=context)
            signed_at = (
                status.timestamp_validity.timestamp
                if status.timestamp_validity is not None
                else status.signer_reported_dt
            )
            is_timestamp = False
    except Exception as error:  # a malformed signature in an uploaded file: reported, not raised
        logger.info("unreadable signature %s: %r", name, error)
        return SignatureCheck(
            field_name=name,
            signer="",
            signed_at=None,
            intact=False,
            valid=False,
            coverage=Coverage.PARTIAL,
            is_ours=False,
            error=f"La signature « {name or 'sans nom'} » ne peut pas être lue : elle est "
            "endommagée ou d'un format inconnu.",
        )
    certificate = status.signing_cert
    is_ours = bool(ours) and hashlib.sha256(certificate.dump()).hexdigest() == ours
    return SignatureCheck(
        field_name=name,
        signer=_signer_label(certificate),
        signed_at=signed_at,
        intact=bool(status.intact),
        valid=bool(status.intact and status.valid and status.trusted),
        coverage=_coverage(status),
        is_ours=is_ours,
        is_timestamp=is_timestamp,
    )


def verify_pdf(content: bytes) -> PdfVerification:
    """Every signature of ``content`` checked (no network access: our seal certificate is the
    only trust root)."""
    return _outside_event_loop(lambda: _verify(content))


def _verify(content: bytes) -> PdfVerification:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    digest = hashlib.sha256(content).hexdigest()
    if not content.startswith(b"%PDF-"):
        return PdfVerification(digest, error="Le fichier n'est pas un PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as error:  # untrusted input: any parse failure is "unreadable"
        logger.info("unreadable PDF: %r", error)
        return PdfVerification(
            digest,
            error="Le PDF ne peut pas être lu : il est peut-être endommagé ou chiffré.",
        )
    if not embedded:
        return PdfVerification(digest)
    try:
        certificate = seal_signer().signing_cert
    except SealUnavailable:
        certificate = None
    roots = [certificate] if certificate is not None else []
    ours = hashlib.sha256(certificate.dump()).hexdigest() if certificate is not None else ""
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    return PdfVerification(digest, [_check(sig, context, ours) for sig in embedded])
