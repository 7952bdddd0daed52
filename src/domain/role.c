/* role -- the one access matrix of weibao (see role.h). */
#include "domain/role.h"

#include <string.h>

struct role_def {
	const char *code, *name, *name_en;
	unsigned perms; /* bit set of enum wb_perm */
};

#define P(x)   (1u << (x))
#define READ   P(PERM_PERSON_READ)
#define WRITE  (P(PERM_PERSON_WRITE) | P(PERM_FACT_WRITE))
#define SENS   P(PERM_SENSITIVE_READ)
#define REVEAL P(PERM_ID_REVEAL)
#define EXPORT P(PERM_REGISTER_EXPORT)
#define IMPORT P(PERM_IMPORT)
#define DECIDE P(PERM_SCREEN_DECIDE)
#define RULES  P(PERM_RULES_ADMIN)

static const struct role_def roles[ROLE_COUNT] = {
	[ROLE_NONE] = {"", "", "", 0},
	[ROLE_ADMIN] = {"admin", "系统管理员", "system administrator",
			READ | P(PERM_USER_ADMIN) | P(PERM_AUDIT_READ) | EXPORT | RULES},
	[ROLE_COUNTY_OFFICE] = {"county_office", "县级未保办", "county minor protection office",
				READ | WRITE | SENS | REVEAL | P(PERM_AUDIT_READ) | EXPORT |
					IMPORT | DECIDE | RULES},
	[ROLE_TOWNSHIP_STATION] = {"township_station", "乡镇未保工作站",
				   "township minor protection station",
				   READ | WRITE | SENS | REVEAL | EXPORT | IMPORT | DECIDE},
	[ROLE_VILLAGE_DIRECTOR] = {"village_director", "村儿童主任", "village children's director",
				   READ | WRITE | SENS | EXPORT},
	[ROLE_GRID_WORKER] = {"grid_worker", "网格员", "grid worker", READ | WRITE},
	[ROLE_SCHOOL] = {"school", "学校", "school", READ | P(PERM_FACT_WRITE) | SENS},
	[ROLE_POLICE] = {"police", "派出所", "police station",
			 READ | P(PERM_FACT_WRITE) | SENS | REVEAL},
	[ROLE_JUSTICE] = {"justice", "司法所", "township justice office",
			  READ | P(PERM_FACT_WRITE) | SENS | REVEAL},
};

int role_from_code(const char *code)
{
	if (!code)
		return ROLE_NONE;
	for (int r = 1; r < ROLE_COUNT; r++)
		if (strcmp(roles[r].code, code) == 0)
			return r;
	return ROLE_NONE;
}

const char *role_code(int role)
{
	return role > 0 && role < ROLE_COUNT ? roles[role].code : "";
}

const char *role_name(int role)
{
	return role > 0 && role < ROLE_COUNT ? roles[role].name : "";
}

const char *role_name_en(int role)
{
	return role > 0 && role < ROLE_COUNT ? roles[role].name_en : "";
}

int role_can(int role, int perm)
{
	if (role <= 0 || role >= ROLE_COUNT || perm < 0 || perm >= PERM_COUNT)
		return 0;
	return (roles[role].perms & P(perm)) != 0;
}

int role_scoped_to_unit(int role)
{
	return role == ROLE_SCHOOL;
}

int role_purpose_stated(const char *purpose)
{
	if (!purpose || strlen(purpose) > PURPOSE_MAX_BYTES)
		return 0;
	int chars = 0;
	for (const unsigned char *p = (const unsigned char *)purpose; *p; p++) {
		if (*p <= ' ' || *p == 0x7f)
			continue; /* ASCII white space and controls */
		if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
			p += 2; /* U+3000 */
			continue;
		}
		if ((p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x80 && p[2] <= 0x8B) ||
		    (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)) {
			p += 2; /* U+2000–U+200B spaces, the zero-width space, U+FEFF */
			continue;
		}
		if (p[0] == 0xC2 && p[1] == 0xA0) {
			p += 1; /* U+00A0 */
			continue;
		}
		if ((*p & 0xC0) != 0x80) /* the first byte of a character */
			chars++;
	}
	return chars >= PURPOSE_MIN_CHARS;
}
