"""Generate a synthetic policy graph of national scale as N-Quads, in the shapes of data/.

34 provinces, each with ~25 agencies and ~200 documents (Party plans implementing national
resolutions, People's Committee plans implementing them, letters, drafts), each document with
task groups of tasks (~30 per document) that name a lead and a coordinating agency. Labels are
Vietnamese with English glosses, assembled from phrases of the real sources, so that search has
realistic text. Every fact sits in the named graph of a (synthetic) source article.

    python bench/generate_national.py --out /tmp/national.nq              # full scale, ~2M triples
    python bench/generate_national.py --out /tmp/small.nq --scale 0.05    # quick run
    python bench/generate_national.py --out /tmp/1m.nq --quads 1e6 --complete   # the scale benchmark's graph

Numbers repeat across provinces (every province has a "190-KH/TU"), as they do in reality.

With ``complete`` (what ``python -m bench scale`` generates), the graph also describes what the
shapes require (areas, agency levels, source files, national document types, one objective with
one target per plan) so that it would conform, and then plants a known number of defects of each
kind of ``DEFECTS``, counted in ``planted``; without it the output is byte for byte what it was
before (the other benches' data).
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

POL = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
G = "https://w3id.org/policykg/graph/source/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
TITLE = "http://purl.org/dc/terms/title"
XSD = "http://www.w3.org/2001/XMLSchema#"

PROVINCES = [
    ("ha-noi", "Hà Nội"), ("hue", "Huế"), ("lai-chau", "Lai Châu"), ("dien-bien", "Điện Biên"),
    ("son-la", "Sơn La"), ("lang-son", "Lạng Sơn"), ("quang-ninh", "Quảng Ninh"), ("thanh-hoa", "Thanh Hóa"),
    ("nghe-an", "Nghệ An"), ("ha-tinh", "Hà Tĩnh"), ("cao-bang", "Cao Bằng"), ("tuyen-quang", "Tuyên Quang"),
    ("lao-cai", "Lào Cai"), ("thai-nguyen", "Thái Nguyên"), ("phu-tho", "Phú Thọ"), ("bac-ninh", "Bắc Ninh"),
    ("hung-yen", "Hưng Yên"), ("hai-phong", "Hải Phòng"), ("ninh-binh", "Ninh Bình"), ("quang-tri", "Quảng Trị"),
    ("da-nang", "Đà Nẵng"), ("quang-ngai", "Quảng Ngãi"), ("gia-lai", "Gia Lai"), ("khanh-hoa", "Khánh Hòa"),
    ("lam-dong", "Lâm Đồng"), ("dak-lak", "Đắk Lắk"), ("ho-chi-minh", "Hồ Chí Minh"), ("dong-nai", "Đồng Nai"),
    ("tay-ninh", "Tây Ninh"), ("can-tho", "Cần Thơ"), ("vinh-long", "Vĩnh Long"), ("dong-thap", "Đồng Tháp"),
    ("ca-mau", "Cà Mau"), ("an-giang", "An Giang"),
]
# (key, Vietnamese name, abbreviation or None, English name)
DEPARTMENTS = [
    ("so-khcn", "Sở Khoa học và Công nghệ", "Sở KH&CN", "Department of Science and Technology"),
    ("so-tttt", "Sở Thông tin và Truyền thông", "Sở TT&TT", "Department of Information and Communications"),
    ("so-kh-dt", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "Department of Planning and Investment"),
    ("so-tai-chinh", "Sở Tài chính", None, "Department of Finance"),
    ("so-cong-thuong", "Sở Công Thương", None, "Department of Industry and Trade"),
    ("so-gddt", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", "Department of Education and Training"),
    ("so-y-te", "Sở Y tế", None, "Department of Health"),
    ("so-nn-ptnt", "Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT", "Department of Agriculture and Rural Development"),
    ("so-tn-mt", "Sở Tài nguyên và Môi trường", "Sở TN&MT", "Department of Natural Resources and Environment"),
    ("so-xay-dung", "Sở Xây dựng", None, "Department of Construction"),
    ("so-gtvt", "Sở Giao thông vận tải", "Sở GTVT", "Department of Transport"),
    ("so-noi-vu", "Sở Nội vụ", None, "Department of Home Affairs"),
    ("so-tu-phap", "Sở Tư pháp", None, "Department of Justice"),
    ("so-ldtbxh", "Sở Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH", "Department of Labour, Invalids and Social Affairs"),
    ("so-vhttdl", "Sở Văn hóa, Thể thao và Du lịch", "Sở VH-TT&DL", "Department of Culture, Sports and Tourism"),
    ("van-phong-ubnd", "Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND tỉnh", "Office of the Provincial People's Committee"),
    ("cong-an", "Công an tỉnh", None, "Provincial Police"),
    ("ngan-hang-nn", "Ngân hàng Nhà nước chi nhánh tỉnh", None, "State Bank branch"),
    ("ban-qlkkt", "Ban Quản lý khu kinh tế", None, "Economic Zone Authority"),
    ("lien-hiep-hoi-khkt", "Liên hiệp các Hội Khoa học và Kỹ thuật tỉnh", "Liên hiệp các Hội KH&KT", "Union of Science and Technology Associations"),
    ("truong-dai-hoc", "Trường Đại học tỉnh", "ĐH tỉnh", "Provincial University"),
    ("dai-phat-thanh", "Đài Phát thanh và Truyền hình tỉnh", None, "Provincial Radio and Television"),
    ("cac-so-nganh", "Các sở, ngành liên quan", None, "Relevant departments and sectors"),
]
VERBS = [
    ("Triển khai", "Carry out"), ("Xây dựng và triển khai", "Design and run"), ("Tham mưu", "Advise on"),
    ("Nghiên cứu, đề xuất", "Study and propose"), ("Hướng dẫn", "Guide"), ("Khuyến khích", "Encourage"),
    ("Rà soát, hoàn thiện", "Review and complete"), ("Đẩy mạnh", "Push forward"), ("Hỗ trợ", "Support"),
    ("Tổ chức thực hiện", "Organise"), ("Phát triển", "Develop"), ("Thúc đẩy", "Promote"),
    ("Kiểm tra, giám sát", "Inspect and monitor"), ("Tổng hợp, báo cáo", "Compile and report on"),
]
OBJECTS = [
    ("chương trình hỗ trợ doanh nghiệp nhỏ và vừa đổi mới công nghệ", "the programme helping SMEs renew technology"),
    ("trung tâm đổi mới sáng tạo cấp tỉnh", "the provincial innovation centre"),
    ("hệ sinh thái khởi nghiệp đổi mới sáng tạo", "the innovative start-up ecosystem"),
    ("hạ tầng số và trung tâm dữ liệu", "digital infrastructure and the data centre"),
    ("cơ sở dữ liệu chuyên ngành", "sector databases"),
    ("dịch vụ công trực tuyến toàn trình", "fully online public services"),
    ("chính quyền số và đô thị thông minh", "digital government and smart cities"),
    ("thanh toán không dùng tiền mặt", "cashless payments"),
    ("nguồn nhân lực chất lượng cao", "a high-quality workforce"),
    ("mạng lưới trí thức, nhân tài", "networks of experts and talent"),
    ("sở hữu trí tuệ và tài sản trí tuệ", "intellectual property and intellectual assets"),
    ("truy xuất nguồn gốc, mã số mã vạch sản phẩm", "product traceability and barcodes"),
    ("chuyển giao tiến bộ khoa học và công nghệ", "transfer of scientific and technological advances"),
    ("an toàn thông tin, an ninh mạng", "information security and cybersecurity"),
    ("nông nghiệp thông minh", "smart agriculture"),
    ("thương mại điện tử", "e-commerce"),
    ("giáo dục số và trường học thông minh", "digital education and smart schools"),
    ("y tế số và hồ sơ sức khỏe điện tử", "digital health and electronic health records"),
    ("du lịch thông minh", "smart tourism"),
    ("quỹ phát triển khoa học và công nghệ", "the science and technology development fund"),
    ("hợp tác quốc tế về khoa học, công nghệ", "international cooperation in science and technology"),
    ("doanh nghiệp khoa học và công nghệ", "science and technology enterprises"),
    ("kinh tế số và xã hội số", "the digital economy and digital society"),
    ("nền tảng số dùng chung của tỉnh", "the province's shared digital platforms"),
    ("ký số và xử lý văn bản trên môi trường điện tử", "electronic signing and handling of documents"),
    ("phổ cập kỹ năng số cho người dân", "digital skills for residents"),
    ("các nhóm nghiên cứu mạnh về công nghệ chủ chốt", "strong research groups in key technologies"),
    ("mô hình kinh tế tuần hoàn", "circular-economy models"),
    ("giao thông thông minh", "smart transport"),
    ("quy hoạch đô thị và nhà ở", "urban planning and housing"),
]
DOMAINS = [
    ("trên địa bàn tỉnh", "in the province"), ("giai đoạn 2021-2025", "for 2021-2025"),
    ("đến năm 2030", "to 2030"), ("trong các cơ quan nhà nước", "in state bodies"),
    ("cho doanh nghiệp và hợp tác xã", "for firms and cooperatives"), ("ở vùng nông thôn, miền núi", "in rural and mountain areas"),
    ("phục vụ chuyển đổi số", "for digital transformation"), ("theo Nghị quyết 57-NQ/TW", "under Resolution 57-NQ/TW"),
]
GROUP_TITLES = [
    ("Nâng cao nhận thức, đổi mới tư duy", "Awareness and new thinking"),
    ("Hoàn thiện thể chế, cơ chế, chính sách", "Institutions, mechanisms and policies"),
    ("Phát triển hạ tầng số", "Digital infrastructure"),
    ("Phát triển nguồn nhân lực", "Human resources"),
    ("Đẩy mạnh đổi mới sáng tạo", "Innovation"),
    ("Hợp tác quốc tế", "International cooperation"),
    ("Chuyển đổi số trong cơ quan nhà nước", "Digital transformation of state bodies"),
]
NATIONAL = [(52, "2019-09-27", "chủ động tham gia cuộc cách mạng công nghiệp lần thứ tư"),
            (57, "2024-12-22", "đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia")]
#: Bumped whenever the output for the same arguments changes (the scale benchmark's cache key).
GENERATOR_VERSION = 2
#: Planted defect kinds (complete graphs only) and the validation findings each one causes, by rule.
#: A link to an undescribed agency is reported twice: as a dangling reference and by the task
#: shape (its lead is no pol:Agency); a duplicate number is reported on both documents.
DEFECTS: dict[str, dict[str, int]] = {
    "task-without-agency": {"task-responsible-agency": 1},
    "link-to-undescribed-agency": {"dangling-reference-violation": 1, "task-responsible-agency": 1},
    "duplicate-number-same-issuer": {"duplicate-notation-same-issuer-violation": 2},
    "target-without-year": {"target-year": 1},
}
#: Documents of NATIONAL that data/ describes: a complete graph links to them and describes them no further.
DESCRIBED_IN_DATA = frozenset({f"<{ID}doc/bo-chinh-tri/2019/52-nq-tw>"})
# (key, Vietnamese label, English label, unit key) of the indicators plans set targets for.
INDICATORS = [
    ("digital-economy-share", "Tỷ trọng kinh tế số trong GRDP", "Digital economy share of GRDP", "percent"),
    ("online-services-share", "Tỷ lệ dịch vụ công trực tuyến toàn trình", "Share of fully online public services", "percent"),
    ("broadband-households", "Tỷ lệ hộ gia đình có Internet cáp quang", "Households with fibre broadband", "percent"),
    ("rd-spending-share", "Chi cho nghiên cứu và phát triển so với GRDP", "R&D spending as a share of GRDP", "percent"),
    ("cashless-share", "Tỷ lệ giao dịch không dùng tiền mặt", "Share of cashless payments", "percent"),
    ("productivity-growth", "Tốc độ tăng năng suất lao động", "Labour productivity growth", "percent-per-year"),
]
NATIONAL += [(n, f"20{10 + n % 15:02d}-0{1 + n % 9}-1{n % 10}", f"phát triển {o[0]}") for n, o in zip(range(60, 78), OBJECTS, strict=False)]


def iri(path: str) -> str:
    return f"<{ID}{path}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{XSD}{datatype}>'
    return f'"{escaped}"'


def generate(
    scale: float,
    seed: int,
    *,
    documents: int | None = None,
    complete: bool = False,
    planted: Counter[str] | None = None,
) -> Iterator[str]:
    """N-Quads lines of the synthetic graph: ``documents`` per province (else ``scale`` x 200);
    ``complete`` adds what the shapes require and plants defects, counted in ``planted``."""
    rng = random.Random(seed)
    planted = planted if planted is not None else Counter()
    p = {name: f"<{POL}{name}>" for name in (
        "Agency", "Resolution", "Plan", "OfficialLetter", "TaskGroup", "Task", "SourceArticle",
        "implements", "issuedBy", "draftedBy", "issueDate", "documentType", "status", "jurisdiction", "hasTaskGroup",
        "hasTask", "leadAgency", "coordinatingAgency", "advisingAgency", "assignedAgency", "source", "title",
        "ordinal", "issuerCode", "isCollective", "level", "sourceFile",
        "AdministrativeArea", "partOfArea", "Objective", "Target", "Indicator", "hasObjective", "hasTarget",
        "horizonYear", "measures", "targetValue", "unit", "comparator", "targetYear",
    )}
    a, lab, nota = f"<{RDF_TYPE}>", f"<{LABEL}>", f"<{NOTATION}>"
    national_graph = f"<{G}national>"
    yield f"{iri('source/national')} {a} {p['SourceArticle']} {national_graph} .\n"
    yield f"{iri('source/national')} <{TITLE}> {lit('Văn bản trung ương (tổng hợp)', 'vi')} {national_graph} .\n"
    if complete:
        yield from _national_reference(p, national_graph)
    for key, name, code in (("bo-chinh-tri", "Bộ Chính trị", "TW"), ("chinh-phu", "Chính phủ", "CP")):
        ag = iri(f"agency/vn/{key}")
        for line in (f"{ag} {a} {p['Agency']}", f"{ag} {lab} {lit(name, 'vi')}", f"{ag} {p['issuerCode']} {lit(code)}",
                     f"{ag} {p['level']} {iri('level/national')}", f"{ag} {p['source']} {iri('source/national')}",
                     *([f"{ag} {p['jurisdiction']} {iri('area/vn')}"] if complete else [])):
            yield f"{line} {national_graph} .\n"
    national_docs = []
    for number, date, topic in NATIONAL:
        doc = iri(f"doc/bo-chinh-tri/{date[:4]}/{number}-nq-tw")
        gov = iri(f"doc/chinh-phu/{int(date[:4]) + 1}/{number % 50 + 1:02d}-nq-cp")
        national_docs.append((doc, gov))
        for line in (
            f"{doc} {a} {p['Resolution']}", f"{doc} {nota} {lit(f'{number}-NQ/TW')}",
            f"{doc} {lab} {lit(f'Nghị quyết {number}-NQ/TW của Bộ Chính trị về {topic}', 'vi')}",
            f"{doc} {p['issuedBy']} {iri('agency/vn/bo-chinh-tri')}", f"{doc} {p['issueDate']} {lit(date, datatype='date')}",
            f"{doc} {p['source']} {iri('source/national')}",
            f"{gov} {a} {p['Resolution']}", f"{gov} {nota} {lit(f'{number % 50 + 1:02d}/NQ-CP')}",
            f"{gov} {lab} {lit(f'Nghị quyết {number % 50 + 1:02d}/NQ-CP của Chính phủ thực hiện Nghị quyết {number}-NQ/TW', 'vi')}",
            f"{gov} {p['issuedBy']} {iri('agency/vn/chinh-phu')}", f"{gov} {p['implements']} {doc}",
            f"{gov} {p['source']} {iri('source/national')}",
        ):
            # data/ describes 52-NQ/TW itself: a second description would give it two labels.
            if not (complete and doc in DESCRIBED_IN_DATA and line.startswith(doc)):
                yield f"{line} {national_graph} .\n"
        if complete:
            for d in (gov,) if doc in DESCRIBED_IN_DATA else (doc, gov):
                for line in (f"{d} {p['documentType']} {iri('document-type/nq')}", f"{d} {p['jurisdiction']} {iri('area/vn')}",
                             f"{d} {p['status']} {iri('status/issued')}"):
                    yield f"{line} {national_graph} .\n"
            yield f"{gov} {p['issueDate']} {lit(f'{int(date[:4]) + 1}{date[4:]}', datatype='date')} {national_graph} .\n"

    docs_per_province = documents if documents is not None else max(4, round(200 * scale))
    for area_index, (area_key, area_name) in enumerate(PROVINCES):
        agencies = []
        # A complete graph sits beside data/, which describes some of these provinces' agencies itself.
        agency_ns = f"agency/synthetic/{area_key}" if complete else f"agency/{area_key}"
        graph = f"<{G}{area_key}-reference>"
        src = iri(f"source/{area_key}-reference")
        yield f"{src} {a} {p['SourceArticle']} {graph} .\n"
        yield f"{src} <{TITLE}> {lit(f'Tổng hợp văn bản tỉnh {area_name}', 'vi')} {graph} .\n"
        if complete:
            area = iri("area/" + area_key)
            for line in (f"{src} {p['sourceFile']} {lit(f'synthetic/{area_key}-reference.txt')}",
                         f"{area} {a} {p['AdministrativeArea']}", f"{area} {lab} {lit(f'Tỉnh {area_name}', 'vi')}",
                         f"{area} {lab} {lit(f'{area_name} province', 'en')}", f"{area} {p['level']} {iri('level/provincial')}",
                         f"{area} {p['partOfArea']} {iri('area/vn')}"):
                yield f"{line} {graph} .\n"
        for key, name, short, english in [("tinh-uy", "Tỉnh ủy", None, "Provincial Party Committee"),
                                          ("ubnd", "Ủy ban nhân dân tỉnh", "UBND tỉnh", "Provincial People's Committee"),
                                          *DEPARTMENTS]:
            ag = iri(f"{agency_ns}/{key}")
            agencies.append(ag)
            lines = [f"{ag} {a} {p['Agency']}", f"{ag} {lab} {lit(f'{name} {area_name}', 'vi')}",
                     f"{ag} {lab} {lit(f'{english} of {area_name}', 'en')}", f"{ag} {p['jurisdiction']} {iri('area/' + area_key)}",
                     f"{ag} {p['source']} {src}"]
            if short:
                lines.append(f"{ag} <{ALT}> {lit(f'{short} {area_name}', 'vi')}")
            if key == "cac-so-nganh":
                lines.append(f"{ag} {p['isCollective']} {lit('true', datatype='boolean')}")
            if complete:
                lines.append(f"{ag} {p['level']} {iri('level/provincial')}")
            if key in ("tinh-uy", "ubnd"):
                lines.append(f"{ag} {p['issuerCode']} {lit('TU' if key == 'tinh-uy' else 'UBND')}")
            for line in lines:
                yield f"{line} {graph} .\n"
        tinh_uy, ubnd, departments = agencies[0], agencies[1], agencies[2:]
        # The cascade is a shallow tree, as in reality: Party plans carry out national resolutions,
        # People's Committee plans carry out the last Party plan, letters the last plan.
        party_plans: list[str] = []
        plans: list[str] = []
        for d in range(docs_per_province):
            kind = "party-plan" if d % 5 == 0 else ("letter" if d % 5 == 4 else "plan")
            draft = d % 17 == 16
            number = 100 + d * 3 if kind == "party-plan" else 3000 + d * 7
            year = 2019 + d % 7
            source_key = f"{area_key}-{d // 10:03d}"
            graph = f"<{G}{source_key}>"
            src = iri(f"source/{source_key}")
            if d % 10 == 0:
                yield f"{src} {a} {p['SourceArticle']} {graph} .\n"
                yield f"{src} <{TITLE}> {lit(f'Bài viết tỉnh {area_name} số {d // 10}', 'vi')} {graph} .\n"
                if complete:
                    yield f"{src} {p['sourceFile']} {lit(f'synthetic/{source_key}.txt')} {graph} .\n"
            national, government = national_docs[d % len(national_docs)]
            if kind == "party-plan":
                notation = f"{number}-KH/TU"
                doc = iri(f"doc/tu-{area_key}/{year}/{number}-kh-tu")
                issuer, parent, dtype, cls = tinh_uy, national, "kh", "Plan"
                label = f"Kế hoạch {notation} của Tỉnh ủy {area_name} thực hiện Nghị quyết của Bộ Chính trị"
            elif kind == "plan":
                notation = f"{number}/KH-UBND"
                doc = iri(f"doc/ubnd-{area_key}/{year}/{number}-kh-ubnd")
                issuer, dtype, cls = ubnd, "kh", "Plan"
                parent = party_plans[-1] if party_plans and d % 3 else government
                topic = OBJECTS[d % len(OBJECTS)][0]
                label = f"Kế hoạch {notation} của UBND tỉnh {area_name} về {topic}"
            else:
                notation = f"{number}/UBND"
                doc = iri(f"doc/ubnd-{area_key}/{year}/{number}-ubnd")
                issuer, dtype, cls = ubnd, "cv", "OfficialLetter"
                parent = plans[-1] if plans else national
                label = f"Công văn {notation} của UBND tỉnh {area_name} giao nhiệm vụ triển khai kế hoạch"
            if draft:
                doc = iri(f"doc/ubnd-{area_key}/draft/ke-hoach-{d}")
                label = f"Dự thảo {label}"
            lines = [f"{doc} {a} {p[cls]}", f"{doc} {lab} {lit(label, 'vi')}", f"{doc} {p['issuedBy']} {issuer}",
                     f"{doc} {p['documentType']} {iri('document-type/' + dtype)}", f"{doc} {p['implements']} {parent}",
                     f"{doc} {p['jurisdiction']} {iri('area/' + area_key)}", f"{doc} {p['source']} {src}"]
            if draft:
                lines += [f"{doc} {p['draftedBy']} {departments[d % 5]}", f"{doc} {p['status']} {iri('status/draft')}"]
            else:
                lines += [f"{doc} {nota} {lit(notation)}", f"{doc} {p['status']} {iri('status/issued')}",
                          f"{doc} {p['issueDate']} {lit(f'{year}-{1 + d % 12:02d}-{1 + d % 28:02d}', datatype='date')}"]
            (party_plans if kind == "party-plan" else plans).append(doc)
            if complete and kind != "letter" and not draft:
                lines += _objective(p, doc, src, area_index, area_key, d, year, planted)
            if complete and not draft and d % 40 == 6:
                # The same number, issuer and date under a second IRI: one document described twice.
                twin = doc[:-1] + "-ban-sao>"
                lines += [line.replace(doc, twin, 1) for line in lines[:7]]
                lines += [f"{twin} {nota} {lit(notation)}", f"{twin} {p['status']} {iri('status/issued')}",
                          f"{twin} {p['issueDate']} {lit(f'{year}-{1 + d % 12:02d}-{1 + d % 28:02d}', datatype='date')}"]
                planted["duplicate-number-same-issuer"] += 1
            groups = 5
            for g in range(1, groups + 1):
                group = doc[:-1] + f"/task-group/{g}>"
                gv, ge = GROUP_TITLES[(d + g) % len(GROUP_TITLES)]
                lines += [f"{doc} {p['hasTaskGroup']} {group}", f"{group} {a} {p['TaskGroup']}",
                          f"{group} {p['ordinal']} {lit(str(g), datatype='integer')}",
                          f"{group} {lab} {lit(gv, 'vi')}", f"{group} {lab} {lit(ge, 'en')}", f"{group} {p['source']} {src}"]
                for t in range(1, 7):
                    task = group[:-1] + f"/task/{t}>"
                    (vv, ve), (ov, oe), (dv, de) = rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(DOMAINS)
                    # Labels differ as real ones do: the place and a deadline vary from task to task.
                    if rng.random() < 0.5:
                        dv, de = f"{dv} tại {area_name}", f"{de} in {area_name}"
                    if rng.random() < 0.5:
                        year_due = 2021 + rng.randrange(10)
                        dv, de = f"{dv}, hoàn thành năm {year_due}", f"{de}, by {year_due}"
                    lead = rng.choice(departments)
                    role = rng.choice(("leadAgency", "leadAgency", "advisingAgency", "assignedAgency"))
                    lines += [f"{group} {p['hasTask']} {task}", f"{task} {a} {p['Task']}",
                              f"{task} {lab} {lit(f'{vv} {ov} {dv}', 'vi')}", f"{task} {lab} {lit(f'{ve} {oe} {de}', 'en')}"]
                    coordinator = rng.choice(departments) if role == "leadAgency" else None
                    # Drawn above whatever is planted, so a defect changes that one task and nothing else.
                    responsible = [f"{task} {p[role]} {lead}"]
                    if coordinator is not None:
                        responsible.append(f"{task} {p['coordinatingAgency']} {coordinator}")
                    if complete and (g, t) == (1, 1) and d % 20 == 3:
                        planted["task-without-agency"] += 1
                        responsible = []
                    elif complete and (g, t) == (2, 2) and d % 20 == 8:
                        planted["link-to-undescribed-agency"] += 1
                        responsible = [f"{task} {p['leadAgency']} {iri(f'{agency_ns}/chua-mo-ta-{d}')}"]
                    lines += [*responsible[:1], f"{task} {p['source']} {src}", *responsible[1:]]
            for line in lines:
                yield f"{line} {graph} .\n"


def _national_reference(p: dict[str, str], graph: str) -> Iterator[str]:
    """The country, the national source's file and the indicators, for a complete graph."""
    vn = iri("area/vn")
    lines = [f"{iri('source/national')} {p['sourceFile']} {lit('synthetic/national.txt')}",
             f"{vn} <{RDF_TYPE}> {p['AdministrativeArea']}", f"{vn} <{LABEL}> {lit('Việt Nam', 'vi')}",
             f"{vn} <{LABEL}> {lit('Viet Nam', 'en')}", f"{vn} {p['level']} {iri('level/national')}"]
    for key, vi, en, unit in INDICATORS:
        ind = iri(f"indicator/synthetic/{key}")
        lines += [f"{ind} <{RDF_TYPE}> {p['Indicator']}", f"{ind} <{LABEL}> {lit(vi, 'vi')}", f"{ind} <{LABEL}> {lit(en, 'en')}",
                  f"{ind} {p['unit']} {iri('unit/' + unit)}"]
    for line in lines:
        yield f"{line} {graph} .\n"


def _objective(
    p: dict[str, str], doc: str, src: str, area_index: int, area_key: str, d: int, year: int, planted: Counter[str]
) -> list[str]:
    """One objective with one target for a plan; the target's year is left out on planted documents."""
    horizon = 2025 + 5 * (d % 2)
    key, vi, _, unit = INDICATORS[d % len(INDICATORS)]
    objective, target = doc[:-1] + f"/objective/{horizon}>", doc[:-1] + f"/target/{key}-{horizon}>"
    # One value per province, indicator and year, so two plans never set conflicting targets.
    value = 10 + (area_index * 7 + (d % len(INDICATORS)) * 13 + horizon) % 80
    lines = [f"{doc} {p['hasObjective']} {objective}", f"{objective} <{RDF_TYPE}> {p['Objective']}",
             f"{objective} <{LABEL}> {lit(f'Mục tiêu đến năm {horizon}: {vi.lower()}', 'vi')}",
             f"{objective} {p['horizonYear']} {lit(str(horizon), datatype='gYear')}",
             f"{objective} {p['source']} {src}", f"{objective} {p['hasTarget']} {target}",
             f"{target} <{RDF_TYPE}> {p['Target']}", f"{target} {p['measures']} {iri(f'indicator/synthetic/{key}')}",
             f"{target} {p['targetValue']} {lit(f'{value}.0', datatype='decimal')}",
             f"{target} {p['unit']} {iri('unit/' + unit)}", f"{target} {p['comparator']} {iri('comparator/at-least')}",
             f"{target} {p['jurisdiction']} {iri('area/' + area_key)}", f"{target} {p['source']} {src}"]
    if d % 20 == 2:
        planted["target-without-year"] += 1
    else:
        lines.append(f"{target} {p['targetYear']} {lit(str(horizon), datatype='gYear')}")
    return lines


def documents_for(quads: int, seed: int) -> int:
    """Documents per province so that a complete graph has about ``quads`` quads (at least 4)."""
    # The size is linear in the documents per province: two small graphs give the line.
    small, large = (sum(1 for _ in generate(0, seed, documents=n, complete=True)) for n in (20, 40))
    return max(4, round(20 + (quads - small) * 20 / (large - small)))


def project_data(data: Path, scale: float, seed: int, **options: Any) -> int:
    """A copy of the project's data/ in ``data`` plus the synthetic graph as ``national.nq``
    (``options`` as for ``generate``); its quad count."""
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", data)
    with (data / "national.nq").open("w", encoding="utf-8", buffering=1 << 20) as out:
        return sum(out.write(line) > 0 for line in generate(scale, seed, **options))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="N-Quads file to write")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the 200 documents per province (default 1)")
    parser.add_argument("--quads", type=float, help="about this many quads (overrides --scale)")
    parser.add_argument("--complete", action="store_true", help="describe what the shapes need; plant defects")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    started = time.perf_counter()
    documents = documents_for(int(args.quads), args.seed) if args.quads else None
    planted: Counter[str] = Counter()
    lines = 0
    with args.out.open("w", encoding="utf-8", buffering=1 << 20) as out:
        for line in generate(args.scale, args.seed, documents=documents, complete=args.complete, planted=planted):
            out.write(line)
            lines += 1
    print(f"wrote {lines:,} quads to {args.out} in {time.perf_counter() - started:.1f} s; planted: {dict(planted)}")


if __name__ == "__main__":
    main()
