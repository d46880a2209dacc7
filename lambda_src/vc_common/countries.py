"""Destination countries: the ISO 3166-1 alpha-2 country of an E.164 phone number.

A voice sender that calls any number it is given is a toll-fraud target: premium and far-away
numbers cost the account owner. The sender refuses a destination outside the countries it may
call, before any quota slot or call, so it needs the country of a number without a request to any
service and without a dependency in the Lambda package. This module is that table: the ITU-T E.164
country calling codes, longest prefix first, and the North American Numbering Plan by area code.

- **+1 (NANP)** is shared by the United States, Canada and 23 Caribbean and Pacific countries and
  territories (Jamaica +1 876 and 658, the Dominican Republic +1 809, 829 and 849, Puerto Rico
  +1 787 and 939, Guam +1 671, ...), classic toll-fraud destinations that look domestic. A +1
  number is resolved by its area code alone, from an explicit list per country: an area code that
  is in no list (unassigned, or assigned after this table was written) has no country, so the
  sender refuses it rather than guess "US". Non-geographic codes are libphonenumber's: toll-free
  (800, 833, ..., 888), premium-rate (900) and personal (5XX) are US; 600 and 622 are CA.
- **Shared codes** are resolved by the prefixes libphonenumber gives the smaller country, and the
  larger one otherwise: +7 is RU but +7 7 KZ; +39 is IT but +39 06 698 VA; +44 is GB but Guernsey
  (GG), Jersey (JE) and the Isle of Man (IM) by their fixed, mobile and premium ranges; +47 is NO
  but +47 79 SJ; +61 is AU but +61 8 9162 CC and +61 8 9164 CX (and a few newer ranges); +262 is RE
  but Mayotte's (YT) ranges; +358 is FI but +358 18 AX; +590 is GP but Saint Barthélemy's (BL) and
  Saint Martin's (MF) fixed ranges (the mobile ranges of the three are one pool: GP); +599 is CW
  but +599 3, 4 and 7 BQ. +212 is MA, Western Sahara (EH) included: its ranges are Morocco's.
  A new range of a small country inside a shared code reads as the larger country until this table
  learns it; a protect configuration (v2) is the service's own check behind this one.
- **ISO, not ITU regions**: Ascension (+247) and Tristan da Cunha (+290 8) are parts of ISO's Saint
  Helena, Ascension and Tristan da Cunha (SH). Kosovo (+383) is ``XK``, the user-assigned code the
  EU, libphonenumber and carriers use; it is the one code here that ISO 3166-1 does not assign.
- **No country**: the international non-geographic codes (+800 freephone, +808 shared cost, +870
  Inmarsat, +881 global satellite, +882 and +883 international networks, +888, +979 premium) and
  unassigned codes. Satellite and international premium numbers are toll fraud's favourites.

``tests/handlers/test_countries.py`` checks the table against Google's libphonenumber (the
``phonenumbers`` package, a development dependency only) over every NANP area code, every calling
code and the numbers that every region's patterns accept.
"""

from __future__ import annotations

from . import phone

# ISO 3166-1 alpha-2: the 249 officially assigned codes, and XK (Kosovo), user-assigned.
_ISO_3166_1 = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_ISO_3166_1.split())

# The NANP's area codes (the three digits after +1), by country.
_NANP_AREA_CODES = {
    "US": """
    201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 220 223 224 225 227 228
    229 231 234 235 239 240 248 251 252 253 254 256 260 262 267 269 270 272 274 276 279 281 283
    301 302 303 304 305 307 308 309 310 312 313 314 315 316 317 318 319 320 321 323 324 325 326
    327 329 330 331 332 334 336 337 339 341 346 347 350 351 352 353 360 361 363 364 369 380 385
    386 401 402 404 405 406 407 408 409 410 412 413 414 415 417 419 423 424 425 430 432 434 435
    440 442 443 445 447 448 458 463 464 469 470 472 475 478 479 480 484 500 501 502 503 504 505
    507 508 509 510 512 513 515 516 517 518 520 521 522 523 524 525 526 527 528 529 530 531 532
    533 534 539 540 541 544 551 557 559 561 562 563 564 566 567 570 571 572 573 574 575 577 580
    582 585 586 588 601 602 603 605 606 607 608 609 610 612 614 615 616 617 618 619 620 623 626
    628 629 630 631 636 640 641 645 646 650 651 656 657 659 660 661 662 667 669 678 680 681 682
    686 689 701 702 703 704 706 707 708 712 713 714 715 716 717 718 719 720 724 725 726 727 728
    730 731 732 734 737 738 740 743 747 748 754 757 760 762 763 765 769 770 771 772 773 774 775
    779 781 785 786 800 801 802 803 804 805 806 808 810 812 813 814 815 816 817 818 820 821 826
    828 830 831 832 833 835 838 839 840 843 844 845 847 848 850 854 855 856 857 858 859 860 862
    863 864 865 866 870 872 877 878 888 900 901 903 904 906 907 908 909 910 912 913 914 915 916
    917 918 919 920 925 928 929 930 931 934 936 937 938 940 941 943 945 947 948 949 951 952 954
    956 959 970 971 972 973 975 978 979 980 983 984 985 986 989
    """,
    "CA": """
    204 226 236 249 250 257 263 273 289 306 343 354 365 367 368 382 403 416 418 428 431 437 438
    450 468 474 506 514 519 548 579 581 584 587 600 604 613 622 633 639 647 672 683 705 709 742
    753 778 780 782 807 819 825 867 873 879 902 905 942
    """,
    "AG": "268",
    "AI": "264",
    "AS": "684",
    "BB": "246",
    "BM": "441",
    "BS": "242",
    "DM": "767",
    "DO": "809 829 849",
    "GD": "473",
    "GU": "671",
    "JM": "658 876",
    "KN": "869",
    "KY": "345",
    "LC": "758",
    "MP": "670",
    "MS": "664",
    "PR": "787 939",
    "SX": "721",
    "TC": "649",
    "TT": "868",
    "VC": "784",
    "VG": "284",
    "VI": "340",
}

# Every other country calling code (ITU-T E.164), "prefix:country", then the prefixes that
# resolve a shared code (a longer prefix wins over the calling code it starts with).
_PREFIXES_TEXT = """
20:EG 211:SS 212:MA 213:DZ 216:TN 218:LY 220:GM 221:SN 222:MR 223:ML 224:GN 225:CI 226:BF
227:NE 228:TG 229:BJ 230:MU 231:LR 232:SL 233:GH 234:NG 235:TD 236:CF 237:CM 238:CV 239:ST
240:GQ 241:GA 242:CG 243:CD 244:AO 245:GW 246:IO 247:SH 248:SC 249:SD 250:RW 251:ET 252:SO
253:DJ 254:KE 255:TZ 256:UG 257:BI 258:MZ 260:ZM 261:MG 262:RE 263:ZW 264:NA 265:MW 266:LS
267:BW 268:SZ 269:KM 27:ZA 290:SH 291:ER 297:AW 298:FO 299:GL 30:GR 31:NL 32:BE 33:FR 34:ES
350:GI 351:PT 352:LU 353:IE 354:IS 355:AL 356:MT 357:CY 358:FI 359:BG 36:HU 370:LT 371:LV
372:EE 373:MD 374:AM 375:BY 376:AD 377:MC 378:SM 380:UA 381:RS 382:ME 383:XK 385:HR 386:SI
387:BA 389:MK 39:IT 40:RO 41:CH 420:CZ 421:SK 423:LI 43:AT 44:GB 45:DK 46:SE 47:NO 48:PL
49:DE 500:FK 501:BZ 502:GT 503:SV 504:HN 505:NI 506:CR 507:PA 508:PM 509:HT 51:PE 52:MX
53:CU 54:AR 55:BR 56:CL 57:CO 58:VE 590:GP 591:BO 592:GY 593:EC 594:GF 595:PY 596:MQ 597:SR
598:UY 599:CW 60:MY 61:AU 62:ID 63:PH 64:NZ 65:SG 66:TH 670:TL 672:NF 673:BN 674:NR 675:PG
676:TO 677:SB 678:VU 679:FJ 680:PW 681:WF 682:CK 683:NU 685:WS 686:KI 687:NC 688:TV 689:PF
690:TK 691:FM 692:MH 7:RU 81:JP 82:KR 84:VN 850:KP 852:HK 853:MO 855:KH 856:LA 86:CN 880:BD
886:TW 90:TR 91:IN 92:PK 93:AF 94:LK 95:MM 960:MV 961:LB 962:JO 963:SY 964:IQ 965:KW 966:SA
967:YE 968:OM 970:PS 971:AE 972:IL 973:BH 974:QA 975:BT 976:MN 977:NP 98:IR 992:TJ 993:TM
994:AZ 995:GE 996:KG 998:UZ

77:KZ 3906698:VA 4779:SJ 35818:AX 5993:BQ 5994:BQ 5997:BQ
441481:GG 447781:GG 447839:GG 4479111:GG 4479117:GG 44980:GG 44981:GG
441534:JE 447509:JE 4477003:JE 4477007:JE 4477008:JE 447797:JE 447829:JE 447937:JE
441624:IM 447524:IM 447624:IM 4474576:IM
6189162:CC 61851002:CC 61851031:CC 61851060:CC 61851089:CC 61851118:CC 61851176:CC
61851223:CC 61891703:CC
6189164:CX 61851001:CX 61851030:CX 61851059:CX 61851088:CX 61851117:CX 61851146:CX
61851175:CX 61851222:CX 61851235:CX 61891958:CX
2622689:YT 262269:YT 26263:YT 2627093:YT 2629398:YT 2629478:YT 2629769:YT
59059000:MF 59059007:MF 59059009:MF 59059013:MF 59059030:MF 59059043:MF 59059050:MF
59059056:MF 59059058:MF 59059077:MF 59059079:MF
59059027:BL 59059029:BL 59059051:BL 59059052:BL 59059087:BL
"""

_NANP = {area: country for country, areas in _NANP_AREA_CODES.items() for area in areas.split()}
_PREFIXES = dict(pair.split(":") for pair in _PREFIXES_TEXT.split())
_LONGEST = max(map(len, _PREFIXES))

# The countries this table can name, and Western Sahara (whose numbers are Morocco's ranges):
# every country with telephone numbers of its own. ISO's other codes (Antarctica, Bouvet Island,
# ...) have none.
DIALABLE_COUNTRIES = frozenset({*_NANP.values(), *_PREFIXES.values(), "EH"})


def is_country_code(code: object) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 country code (``"US"``; upper case only)."""
    return isinstance(code, str) and code in COUNTRY_CODES


def country_of(phone_number: str) -> str | None:
    """The ISO 3166-1 alpha-2 country of an E.164 number, or None when it has none known.

    ``"+18765550100"`` is ``"JM"``, ``"+442071838750"`` ``"GB"``; a number that is not E.164, a
    +1 number that is not 10 digits after the +1 or has an area code in no country's list, and
    the non-geographic codes (+800, +881, ...) have no country.
    """
    if not isinstance(phone_number, str) or not phone.is_e164(phone_number):
        return None
    digits = phone_number[1:]
    if digits.startswith("1"):
        return _NANP.get(digits[1:4]) if len(digits) == 11 else None
    # A prefix must leave subscriber digits after it.
    for end in range(min(len(digits) - 1, _LONGEST), 0, -1):
        country = _PREFIXES.get(digits[:end])
        if country is not None:
            return country
    return None
