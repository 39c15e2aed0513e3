package demo

import (
	"math/rand/v2"
	"time"

	"portal"
)

// namedCitizens are the three citizens of PRODUCT.md §9, with hand-written data in every scope. Their income
// covers the 12 full months before now.
func namedCitizens(now time.Time) []person {
	months := lastMonths(now, 12)
	pay := func(seed uint64, base float64) []map[string]any {
		return salaries(months, base, rand.New(rand.NewPCG(genSeed, seed)))
	}
	return []person{
		{
			fin: AyselFIN, name: "Aysel Məmmədova", password: AyselPassword,
			data: map[portal.Scope]map[string]any{
				portal.ScopeIdentity: {"fin": AyselFIN, "first_name": "Aysel", "last_name": "Məmmədova",
					"patronymic": "Elçin qızı", "birth_date": "1991-04-17", "sex": "qadın"},
				portal.ScopeIDDocument: {"series": "AA", "number": "2847163", "issue_date": "2021-06-08",
					"expiry_date": "2031-06-08", "issued_by": "ASAN xidmət №1"},
				portal.ScopeAddress: {"city": "Bakı", "district": "Nəsimi", "street": "Füzuli küçəsi", "building": "49",
					"apartment": "17", "registered_on": "2016-09-05"},
				portal.ScopeContact: {"mobile": "+994 50 318 42 67", "email": "aysel.mammadova@mail.example"},
				portal.ScopeEmployment: {"employer": "Qafqaz Mühəndislik MMC", "employer_voen": EmployerVOEN,
					"position": "Layihə meneceri", "start_date": "2019-02-11"},
				portal.ScopeIncome: {"monthly_salaries": pay(1_000_001, 2150)},
				portal.ScopeEducation: {"degrees": []map[string]any{
					{"institution": "Bakı Dövlət Universiteti", "field": "İqtisadiyyat", "level": "bakalavr", "year": 2012},
					{"institution": "Azərbaycan Dövlət İqtisad Universiteti (UNEC)", "field": "Maliyyə", "level": "magistr", "year": 2014},
				}},
				portal.ScopeVehicles: {"vehicles": []map[string]any{
					{"plate": "90-RT-418", "make": "Toyota", "model": "Corolla", "year": 2017},
				}},
				portal.ScopeProperty: {"properties": []map[string]any{
					{"registry_number": "101-2016-048213", "address": "Bakı, Nəsimi rayonu, Füzuli küçəsi 49, mənzil 17", "area_m2": 78.5},
				}},
				portal.ScopeSocial: {"benefits": []map[string]any{
					{"kind": "Uşağa görə aylıq müavinət", "monthly_amount_azn": 75.0, "since": "2024-02-01"},
				}},
			},
		},
		{
			fin: RashadFIN, name: "Rəşad Əliyev", password: RashadPassword,
			data: map[portal.Scope]map[string]any{
				portal.ScopeIdentity: {"fin": RashadFIN, "first_name": "Rəşad", "last_name": "Əliyev",
					"patronymic": "Tofiq oğlu", "birth_date": "1985-11-02", "sex": "kişi"},
				portal.ScopeIDDocument: {"series": "AZE", "number": "13572468", "issue_date": "2017-06-20",
					"expiry_date": "2027-06-20", "issued_by": "Azərbaycan Respublikası Daxili İşlər Nazirliyi"},
				portal.ScopeAddress: {"city": "Sumqayıt", "district": "9-cu mikrorayon", "street": "Sülh küçəsi", "building": "12",
					"apartment": "45", "registered_on": "2010-03-22"},
				portal.ScopeContact: {"mobile": "+994 55 724 19 03", "email": "rashad.aliyev85@poct.example"},
				portal.ScopeEmployment: {"employer": "Şirvan Telekom MMC", "employer_voen": TelecomVOEN,
					"position": "Şəbəkə mühəndisi", "start_date": "2014-08-04"},
				portal.ScopeIncome: {"monthly_salaries": pay(1_000_002, 1480)},
				portal.ScopeEducation: {"degrees": []map[string]any{
					{"institution": "Azərbaycan Texniki Universiteti", "field": "Telekommunikasiya texnologiyaları", "level": "bakalavr", "year": 2007},
				}},
				portal.ScopeVehicles: {"vehicles": []map[string]any{
					{"plate": "50-KR-772", "make": "Hyundai", "model": "Accent", "year": 2014},
					{"plate": "50-AB-123", "make": "Lada", "model": "2107", "year": 2009},
				}},
				portal.ScopeProperty: {"properties": []map[string]any{
					{"registry_number": "125-2010-007734", "address": "Sumqayıt, 9-cu mikrorayon, Sülh küçəsi 12, mənzil 45", "area_m2": 64.2},
				}},
				portal.ScopeSocial: {"benefits": []map[string]any{}},
			},
		},
		{
			fin: LeylaFIN, name: "Leyla Həsənova", password: LeylaPassword,
			data: map[portal.Scope]map[string]any{
				portal.ScopeIdentity: {"fin": LeylaFIN, "first_name": "Leyla", "last_name": "Həsənova",
					"patronymic": "Rauf qızı", "birth_date": "1959-08-23", "sex": "qadın"},
				portal.ScopeIDDocument: {"series": "AA", "number": "0936521", "issue_date": "2020-03-14",
					"expiry_date": "2030-03-14", "issued_by": "Gəncə regional ASAN xidmət mərkəzi"},
				portal.ScopeAddress: {"city": "Gəncə", "district": "Kəpəz", "street": "Atatürk prospekti", "building": "27",
					"apartment": "8", "registered_on": "1998-10-15"},
				portal.ScopeContact: {"mobile": "+994 70 415 86 32", "email": "leyla.hesenova@inbox.example"},
				portal.ScopeEmployment: {"employer": "Gəncə şəhəri 15 nömrəli tam orta məktəb", "employer_voen": "2000318465",
					"position": "Riyaziyyat müəllimi", "start_date": "1986-09-01"},
				portal.ScopeIncome: {"monthly_salaries": pay(1_000_003, 820)},
				portal.ScopeEducation: {"degrees": []map[string]any{
					{"institution": "Gəncə Dövlət Universiteti", "field": "Riyaziyyat müəllimliyi", "level": "bakalavr", "year": 1981},
				}},
				portal.ScopeVehicles: {"vehicles": []map[string]any{}},
				portal.ScopeProperty: {"properties": []map[string]any{
					{"registry_number": "201-2005-013562", "address": "Gəncə, Kəpəz rayonu, Atatürk prospekti 27, mənzil 8", "area_m2": 92.0},
					{"registry_number": "203-2012-000871", "address": "Göygöl rayonu, Xanlar küçəsi 4", "area_m2": 640.0},
				}},
				portal.ScopeSocial: {"benefits": []map[string]any{
					{"kind": "Yaşa görə əmək pensiyası", "monthly_amount_azn": 415.0, "since": "2024-08-23"},
				}},
			},
		},
	}
}
