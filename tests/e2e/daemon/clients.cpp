// SPDX-License-Identifier: GPL-3.0-or-later
// Client command lines for the hostgated end-to-end tests, including the raw-socket DNS answer forger.
#include "daemon/clients.h"

#include "harness/servers.h"
#include "harness/test_addresses.h"

#include <QFileInfo>

namespace hostgate::e2e {
namespace {

const char unconnectedUdpScript[] = R"(import errno, socket, sys
address, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = socket.socket(socket.AF_INET6 if ':' in address else socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(count):
    try:
        client.sendto(b'ping', (address, port))
        print('sent')
    except OSError as error:
        print(errno.errorcode.get(error.errno, str(error.errno)))
)";

// The query goes out through the normal stack (so hostgated's DNS queue sees and records it); the forged
// answer is built byte by byte and sent through an IPPROTO_RAW socket, which implies IP_HDRINCL. Its UDP
// checksum is 0 ("none"), which IPv4 allows.
const char forgerScript[] = R"(import random, socket, struct, sys
server, impostor, client, name, address, flaw = sys.argv[1:7]
question = b''.join(bytes([len(label)]) + label.encode() for label in name.split('.')) + b'\0' + struct.pack('!HH', 1, 1)
resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
resolver.bind((client, 0))
port = resolver.getsockname()[1]
query_id = random.randrange(65536)
resolver.sendto(struct.pack('!HHHHHH', query_id, 0x0100, 1, 0, 0, 0) + question, (server, 53))
source, to_port, answer_id = server, port, query_id
if flaw == 'id':
    answer_id = (query_id + 1) % 65536
elif flaw == 'port':
    to_port = port + 1 if port < 65535 else port - 1
elif flaw == 'server':
    source = impostor
answer = (struct.pack('!HHHHHH', answer_id, 0x8180, 1, 1, 0, 0) + question +
          b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 300, 4) + socket.inet_aton(address))
udp = struct.pack('!HHHH', 53, to_port, 8 + len(answer), 0) + answer
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                 socket.inet_aton(source), socket.inet_aton(client))
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
raw.sendto(ip + udp, (client, 0))
print(to_port, answer_id)
)";

QString flawName(ForgedAnswerFlaw flaw)
{
    switch (flaw) {
    case ForgedAnswerFlaw::WrongTransactionId:
        return QStringLiteral("id");
    case ForgedAnswerFlaw::WrongDestinationPort:
        return QStringLiteral("port");
    case ForgedAnswerFlaw::WrongServerAddress:
        return QStringLiteral("server");
    }
    return {};
}

} // namespace

QStringList curlCommandAs(const QString& executable, IpFamily family, const QString& url)
{
    return {executable,
            family == IpFamily::V4 ? QStringLiteral("-4") : QStringLiteral("-6"),
            QStringLiteral("-sS"),
            QStringLiteral("-g"),
            QStringLiteral("--noproxy"),
            QStringLiteral("*"),
            QStringLiteral("--max-time"),
            QStringLiteral("3"),
            url};
}

QStringList curlCommand(IpFamily family, const QString& url, const QString& resolve)
{
    QStringList argv = curlCommandAs(QStringLiteral("curl"), family, url);
    if (!resolve.isEmpty()) {
        argv << QStringLiteral("--resolve") << resolve;
    }
    return argv;
}

QStringList wgetCommand(const QString& url)
{
    return {QStringLiteral("wget"),      QStringLiteral("-4"),          QStringLiteral("-q"),
            QStringLiteral("--tries=1"), QStringLiteral("--timeout=3"), QStringLiteral("--no-proxy"),
            QStringLiteral("-O"),        QStringLiteral("-"),           url};
}

QStringList digTcpCommand(const QString& server, const QString& name)
{
    return {QStringLiteral("dig"),
            QStringLiteral("+tcp"),
            QStringLiteral("+time=2"),
            QStringLiteral("+tries=1"),
            QStringLiteral("+short"),
            QLatin1Char('@') + server,
            name,
            QStringLiteral("A")};
}

QStringList unconnectedUdpSendCommand(const QString& address, quint16 port, int datagrams)
{
    return {python3(), QStringLiteral("-c"),  QString::fromLatin1(unconnectedUdpScript),
            address,   QString::number(port), QString::number(datagrams)};
}

QStringList forgedDnsAnswerCommand(const QString& server, const QString& impostor, const QString& name,
                                   const QString& address, ForgedAnswerFlaw flaw)
{
    return {python3(),
            QStringLiteral("-c"),
            QString::fromLatin1(forgerScript),
            server,
            impostor,
            QLatin1String(clientIpv4),
            name,
            address,
            flawName(flaw)};
}

QString ruleToml(const QString& app, const QString& host, const QString& action, const QString& protocol)
{
    QString rule = QStringLiteral("[[rule]]\n");
    if (!app.isEmpty()) {
        rule += QStringLiteral("app = \"%1\"\n").arg(app);
    }
    rule += QStringLiteral("host = \"%1\"\n").arg(host);
    if (!protocol.isEmpty()) {
        rule += QStringLiteral("protocol = \"%1\"\n").arg(protocol);
    }
    rule += QStringLiteral("action = \"%1\"\n\n").arg(action);
    return rule;
}

QString python3ExecutablePath()
{
    return QFileInfo(python3()).canonicalFilePath();
}

bool countedBytesAgree(quint64 counted, quint64 witnessed)
{
    return counted >= witnessed && counted <= witnessed + witnessed / 50;
}

} // namespace hostgate::e2e
