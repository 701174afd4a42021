using System.Buffers.Binary;
using System.Text;

namespace Ogrt.Agent.Tests.Service;

/// <summary>
/// Builds what the gate sends (native/ogrt_agent_message.h), to drive the service without a
/// tracked process: valid messages, and the raw material for hostile ones.
/// </summary>
public static class GateMessage
{
    public static byte[] Build(string executable, string[] arguments, string[] environment, (string Path, string Signature)[] objects,
        string cwd = "/tmp", long timeMicroseconds = 1_700_000_000_000_000, int parentPid = 1)
    {
        var body = new List<byte>();
        void Add(string text)
        {
            body.AddRange(Encoding.UTF8.GetBytes(text));
            body.Add(0);
        }
        Add(executable);
        Add(cwd);
        foreach (string argument in arguments)
            Add(argument);
        foreach (string entry in environment)
            Add(entry);
        foreach (var (path, signature) in objects)
        {
            Add(path);
            Add(signature);
        }
        var message = new byte[32 + body.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(message, 0x4f475254);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), 1);
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(8), timeMicroseconds);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(16), parentPid);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), (uint)arguments.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(24), (uint)environment.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(28), (uint)objects.Length);
        body.CopyTo(message, 32);
        return message;
    }

    /// <summary>A plausible message: a program with two libraries, one of them watermarked.</summary>
    public static byte[] Typical(string executable = "/apps/bin/solver") => Build(
        executable, [executable, "--input", "case.dat"], ["PATH=/usr/bin", "SLURM_JOB_ID=77", "LOADEDMODULES=gcc/12"],
        [("", "6f1c1e9a-2a53-4d0b-9b5e-1f0e9a1d2c3b"), ("/usr/lib/libm.so.6", ""), ("/apps/lib/libsolver.so", "0d7a3c2e-5b1f-4e8a-a6c4-7b9d2e1f0a3c")]);
}
