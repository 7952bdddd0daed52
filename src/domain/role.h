/*
 * role -- user roles and what each may do.
 *
 * The access matrix lives here, in one table, and nowhere else: handlers ask
 * role_can(role, PERM_…) and the store filters rows by the caller's region subtree
 * (and, for schools, by the caller's unit). Least privilege: the system administrator
 * manages users and units and reads the register masked, but sees no sensitive facts
 * and cannot reveal ID numbers; revealing is for the offices whose work needs it.
 */
#ifndef WB_ROLE_H
#define WB_ROLE_H

enum wb_role {
	ROLE_NONE = 0,
	ROLE_ADMIN,	       /* 系统管理员 */
	ROLE_COUNTY_OFFICE,    /* 县级未保办 */
	ROLE_TOWNSHIP_STATION, /* 乡镇未保工作站 */
	ROLE_VILLAGE_DIRECTOR, /* 村儿童主任 */
	ROLE_GRID_WORKER,      /* 网格员 */
	ROLE_SCHOOL,	       /* 学校 */
	ROLE_POLICE,	       /* 派出所 */
	ROLE_JUSTICE,	       /* 司法所 */
	ROLE_COUNT
};

enum wb_perm {
	PERM_PERSON_READ,     /* list and read persons in scope */
	PERM_PERSON_WRITE,    /* create persons, correct their fields, add relations */
	PERM_FACT_WRITE,      /* record and correct facts */
	PERM_SENSITIVE_READ,  /* see criminal and psychological facts */
	PERM_ID_REVEAL,	      /* see a full ID number, with a stated purpose (audited) */
	PERM_USER_ADMIN,      /* manage users and units */
	PERM_AUDIT_READ,      /* read the audit log */
	PERM_REGISTER_EXPORT, /* export the register (台账) of a region as XLSX or CSV */
	PERM_IMPORT,	      /* import department extracts, decide doubtful matches, undo */
	PERM_SCREEN_DECIDE,   /* confirm or reject categories, override risk levels */
	PERM_RULES_ADMIN,     /* edit, preview and publish screening rule sets; re-screen */
	PERM_COUNT
};

int role_from_code(const char *code); /* ROLE_NONE if unknown */
const char *role_code(int role);
const char *role_name(int role); /* Chinese */
const char *role_name_en(int role);
int role_can(int role, int perm);

/* A purpose stated for seeing full ID numbers (reveal, export): at least 4 characters
 * that are not white space (ASCII, no-break, ideographic, the U+2000 spaces, zero-width
 * space or byte-order mark), at most 500 bytes. */
#define PURPOSE_MIN_CHARS 4
#define PURPOSE_MAX_BYTES 500
int role_purpose_stated(const char *purpose);
/* 1 when this role's record scope is the caller's unit (schools see their students). */
int role_scoped_to_unit(int role);

#endif
