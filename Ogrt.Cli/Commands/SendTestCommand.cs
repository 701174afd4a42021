using System.CommandLine;
using System.Net.Sockets;
using Ogrt.Cli.SendTest;
using Ogrt.Protocol;

namespace Ogrt.Cli.Commands;

/// <summary>`ogrt send-test [--collector HOST:PORT]`: sends one ProcessInfo datagram.</summary>
internal sealed class SendTestCommand : IVerb
{
    public Command Create()
    {
        var collector = new Option<string>("--collector", "-c")
        {
            Description = $"Where the collector listens (HOST[:PORT], [IPV6]:PORT); default: $OGRT_COLLECTOR " +
                $"(the agent's setting) if set, else {CollectorAddress.Default}.",
            HelpName = "HOST:PORT",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("OGRT_COLLECTOR") is { Length: > 0 } configured
                ? configured
                : CollectorAddress.Default,
        };
        collector.Validators.Add(result =>
        {
            if (!CollectorAddress.TryParse(result.GetValueOrDefault<string>(), out _, out string error))
                result.AddError(error);
        });
        var command = new Command("send-test",
            "Send one well-formed ProcessInfo record (describing this ogrt process) to the collector, " +
            "in the agent's wire format, and print what was sent. UDP gives no delivery receipt: " +
            "look for the record in the collector's output or metrics.")
        {
            collector,
        };
        command.SetAction(parse => Run(parse.GetRequiredValue(collector)));
        return command;
    }

    private static int Run(string collectorText)
    {
        CollectorAddress.TryParse(collectorText, out var address, out _);   // validated by the parser
        var info = OwnProcessRecord.Capture();
        byte[] datagram = MessageFrame.Encode(info);
        try
        {
            var endpoint = address.Resolve();
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.SendTo(datagram, endpoint);
            Console.Out.WriteLine($"sent ProcessInfo ({datagram.Length} bytes: {MessageFrame.HeaderSize}-byte header + " +
                $"{datagram.Length - MessageFrame.HeaderSize}-byte payload) to {address} ({endpoint}):");
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"ogrt send-test: cannot send to {address}: {e.Message}");
            return ExitCodes.Failure;
        }
        foreach (string line in OwnProcessRecord.Describe(info))
            Console.Out.WriteLine(line);
        return ExitCodes.Success;
    }
}
