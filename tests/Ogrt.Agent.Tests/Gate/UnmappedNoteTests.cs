using System.Buffers.Binary;
using Ogrt.Agent.Tests.Infrastructure;

namespace Ogrt.Agent.Tests.Gate;

/// <summary>
/// A program whose PT_NOTE segment lies outside every PT_LOAD (edited ELF, hand-made linker
/// scripts): the note is not in memory, and reading it crashed the tracked process through the
/// gate (service path) and the capture process (fork path). It runs and is tracked, unsigned.
/// </summary>
[TestFixture(CapturePath.Fork)]
[TestFixture(CapturePath.Service)]
public class UnmappedNoteTests(CapturePath path)
{
    private const uint PtNote = 4;
    private const ulong UnmappedAddress = 0x4000_0000;

    [Test]
    public async Task A_note_outside_every_loaded_segment_is_skipped_not_read()
    {
        string program = await GatePrograms.CompileAsync("exit_status");
        MoveNotesOutOfTheImage(program);
        ProcessResult withoutAgent = await ExternalCommand.RunAsync(program, ["5"]);
        Assert.That(withoutAgent.ExitCode, Is.EqualTo(5), $"the edited program must run on its own: {withoutAgent}");
        using var collector = await CaptureServiceProcess.StartListenerAsync(path);

        ProcessResult result = await AgentProcess.RunAsync(program, ["5"], collector);

        Assert.That(result.ExitCode, Is.EqualTo(5), result.ToString());
        var info = await collector.WaitForPidAsync(result.Pid);
        Assert.That(info.HasSignature, Is.False);
    }

    /// <summary>
    /// Points the 4-byte-aligned PT_NOTE (build id, ABI tag: nothing reads them to run the
    /// program) at an address no segment maps.
    /// </summary>
    private static void MoveNotesOutOfTheImage(string program)
    {
        byte[] elf = File.ReadAllBytes(program);
        ulong programHeaders = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x20));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x36));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x38));
        int moved = 0;
        for (int i = 0; i < count; i++)
        {
            var header = elf.AsSpan((int)programHeaders + i * entrySize, entrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != PtNote || BinaryPrimitives.ReadUInt64LittleEndian(header[48..]) != 4)
                continue;
            BinaryPrimitives.WriteUInt64LittleEndian(header[16..], UnmappedAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(header[24..], UnmappedAddress);
            moved++;
        }
        Assert.That(moved, Is.Positive, "gcc produced no 4-byte-aligned PT_NOTE to move");
        File.WriteAllBytes(program, elf);
    }
}
