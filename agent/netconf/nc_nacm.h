/*
 * RFC 8341 NETCONF access control (NACM): the ietf-netconf-acm rules that
 * apply to one user, and the decisions for protocol operations (RFC 8341
 * 3.4.4), data nodes (3.4.5) and notifications (3.4.6). Independent of
 * sessions and locks, so unit tests drive it on plain libyang trees; the
 * NETCONF operations (nc_ops.c, nc_get.c) call it.
 *
 * Groups come only from /nacm/groups: erreadyd has no external groups
 * (the SSH and UNIX transports report none), so enable-external-groups
 * changes nothing.
 */
#ifndef ER_NC_NACM_H
#define ER_NC_NACM_H

#include <stdbool.h>
#include <stddef.h>

#include <libyang/libyang.h>

/* access-operations bits (ietf-netconf-acm access-operations-type) */
#define ER_NACM_CREATE 0x01u
#define ER_NACM_READ 0x02u
#define ER_NACM_UPDATE 0x04u
#define ER_NACM_DELETE 0x08u
#define ER_NACM_EXEC 0x10u

struct er_nacm;

/**
 * The rules for @p user from the ietf-netconf-acm config among the
 * top-level siblings of @p cfg (a running tree; NULL or no /nacm: the
 * defaults). @p recovery: the RFC 8341 3.2 recovery session, which NACM
 * does not restrict. Copies what it needs: @p cfg may go afterwards.
 */
struct er_nacm *er_nacm_new(const struct lyd_node *cfg, const char *user, bool recovery);
void er_nacm_free(struct er_nacm *nacm);

/** Whether NACM restricts this user at all (false: recovery session, or enable-nacm false). */
bool er_nacm_enforced(const struct er_nacm *nacm);
/** The user name the rules were made for. */
const char *er_nacm_user(const struct er_nacm *nacm);

/** Exec access to the operation @p rpc (an RPC or action schema node). */
bool er_nacm_rpc_allowed(const struct er_nacm *nacm, const struct lysc_node *rpc);
/** Read access to the event type of notification @p notif (its schema node). */
bool er_nacm_notif_allowed(const struct er_nacm *nacm, const struct lysc_node *notif);

/**
 * Whether reads may lose more than the nodes marked nacm:default-deny-all
 * (read-default deny, or a rule denying read applies to the user).
 */
bool er_nacm_read_restricted(const struct er_nacm *nacm);
/**
 * Leave out of the siblings from *@p tree every node the user may not
 * read, with its subtree (RFC 8341 3.4.5: silently omitted). List keys
 * stay with their entry. *@p tree may become NULL.
 */
void er_nacm_prune(const struct er_nacm *nacm, struct lyd_node **tree);
/** The same for the children of @p parent only (a notification's content). */
void er_nacm_prune_children(const struct er_nacm *nacm, struct lyd_node *parent);

/**
 * Write access for turning config @p before into @p after (either may be
 * NULL): create on every new node, delete on the top of every removed
 * subtree, update on every changed value or order. Returns 0 when allowed;
 * 1 when denied, with the data path of the first denied node in @p path
 * and the access it lacked in *@p op (one ER_NACM_* bit); -1 when the
 * trees cannot be compared.
 */
int er_nacm_check_write(const struct er_nacm *nacm, const struct lyd_node *before, const struct lyd_node *after,
    char *path, size_t pathlen, unsigned *op);
/** "create", "update", "delete", "read" or "exec". */
const char *er_nacm_op_name(unsigned op);

/* RFC 8341's counters, since erreadyd started (atomic: notifications are dropped outside any lock) */
enum er_nacm_denial { ER_NACM_DENIED_OPERATION, ER_NACM_DENIED_WRITE, ER_NACM_DENIED_NOTIFICATION };
void er_nacm_count(enum er_nacm_denial what);
void er_nacm_counters_reset(void);
/** The counters (denied-operations, denied-data-writes, denied-notifications) under @p nacm (a /nacm node). */
void er_nacm_counters_state(struct lyd_node *nacm);

#endif
