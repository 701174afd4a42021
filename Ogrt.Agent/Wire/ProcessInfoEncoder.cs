using Ogrt.Agent.Settings;
using Ogrt.Protocol;

namespace Ogrt.Agent.Wire;

/// <summary>
/// Serializes a <see cref="ProcessSnapshot"/> as one framed ProcessInfo datagram (field
/// numbers of protocol/ogrt.proto) that never exceeds <see cref="MaxDatagramLength"/>.
/// <para>A record that fits is sent whole. Otherwise it is cut in this order and marked
/// <c>truncated</c>:</para>
/// <list type="number">
/// <item>every string is cut to <see cref="MaxTextLength"/> bytes (at a UTF-8 boundary);</item>
/// <item>environment variables beyond what fits are dropped (a prefix is kept);</item>
/// <item>shared objects beyond <see cref="SharedObjectReserve"/> bytes and modules beyond
/// <see cref="ModuleReserve"/> bytes are dropped;</item>
/// <item>the remaining room is split between <c>arguments</c> (a prefix) and the tail-cut
/// <c>cmdline</c>.</item>
/// </list>
/// </summary>
internal static class ProcessInfoEncoder
{
    public const int MaxDatagramLength = MessageFrame.MaxDatagramSize;
    public const int MaxPayloadLength = MaxDatagramLength - MessageFrame.HeaderSize;

    /// <summary>PATH_MAX: in a record too large for one datagram, no single string or list entry is sent longer than this.</summary>
    public const int MaxTextLength = 4096;

    /// <summary>Room kept for shared objects (several hundred paths) before arguments take the rest.</summary>
    public const int SharedObjectReserve = 24 * 1024;

    public const int ModuleReserve = 4 * 1024;

    // Field numbers come from the types generated from ogrt.proto: constants, so the generated
    // code and Google.Protobuf are compiled away (the published library did not grow).
    private const int TruncatedFlagSize = 3;

    /// <summary>Writes the datagram (header + payload) and returns its length.</summary>
    public static int Encode(scoped in ProcessSnapshot snapshot, Span<byte> datagram)
    {
        if (datagram.Length < MaxDatagramLength)
            throw new ArgumentException("The datagram buffer must hold the largest datagram.", nameof(datagram));

        // Strings are cut to MaxTextLength only in a record that does not fit whole.
        int textLimit = int.MaxValue;
        var needs = ListNeeds.Of(snapshot, textLimit);
        if (ScalarsSize(snapshot, textLimit) + TruncatedFlagSize + needs.Total > MaxPayloadLength)
        {
            textLimit = MaxTextLength;
            needs = ListNeeds.Of(snapshot, textLimit);
        }
        bool truncated = snapshot.Truncated;
        var writer = new ProtobufWriter(datagram.Slice(MessageFrame.HeaderSize, MaxPayloadLength));
        WriteScalars(ref writer, snapshot, textLimit, ref truncated);

        int budget = MaxPayloadLength - writer.Position - TruncatedFlagSize;

        // Reserved shares first, then the rest in order of importance: what is granted last is
        // what is cut first.
        int sharedObjectsGrant = Math.Min(needs.SharedObjects, SharedObjectReserve);
        int modulesGrant = Math.Min(needs.Modules, ModuleReserve);
        int remaining = budget - sharedObjectsGrant - modulesGrant;
        int argumentsGrant = Take(needs.Arguments, ref remaining);
        modulesGrant += Take(needs.Modules - modulesGrant, ref remaining);
        sharedObjectsGrant += Take(needs.SharedObjects - sharedObjectsGrant, ref remaining);
        int environmentGrant = Take(needs.Environment, ref remaining);

        WriteArguments(ref writer, snapshot.Arguments, needs.Arguments, argumentsGrant, textLimit, ref truncated);
        WriteModules(ref writer, snapshot.LoadedModules, modulesGrant, textLimit, ref truncated);
        WriteSharedObjects(ref writer, snapshot.SharedObjects, sharedObjectsGrant, textLimit, ref truncated);
        WriteStringList(ref writer, ProcessInfo.EnvironmentVariablesFieldNumber, snapshot.Environment, environmentGrant, textLimit, ref truncated);
        if (truncated)
            writer.WriteBoolField(ProcessInfo.TruncatedFieldNumber, true);

        MessageFrame.WriteHeader(datagram, MessageType.ProcessInfoMsg, writer.Position);
        return MessageFrame.HeaderSize + writer.Position;
    }

    /// <summary>An upper bound of the scalar fields' size, strings cut to <paramref name="textLimit"/>.</summary>
    private static long ScalarsSize(scoped in ProcessSnapshot snapshot, int textLimit)
    {
        // Numbers take at most 10 bytes, plus a tag of up to 2.
        const int ScalarFields = 6;
        return ScalarFields * 12L
            + OptionalTextSize(ProcessInfo.BinpathFieldNumber, snapshot.Binpath, textLimit) + OptionalTextSize(ProcessInfo.SignatureFieldNumber, snapshot.Signature, textLimit)
            + OptionalTextSize(ProcessInfo.JobIdFieldNumber, snapshot.JobId, textLimit) + OptionalTextSize(ProcessInfo.UsernameFieldNumber, snapshot.Username, textLimit)
            + OptionalTextSize(ProcessInfo.HostnameFieldNumber, snapshot.Hostname, textLimit) + OptionalTextSize(ProcessInfo.CwdFieldNumber, snapshot.Cwd, textLimit)
            + OptionalTextSize(ProcessInfo.AgentVersionFieldNumber, BuildDefaults.Version, textLimit);
    }

    private static int OptionalTextSize(int field, ReadOnlySpan<byte> text, int textLimit) =>
        text.IsEmpty ? 0 : ListEntrySize(field, text, textLimit);

    /// <summary>What each list of the record takes, its strings cut to a limit.</summary>
    private readonly record struct ListNeeds(int Arguments, int Modules, int SharedObjects, int Environment)
    {
        public long Total => (long)Arguments + Modules + SharedObjects + Environment;

        public static ListNeeds Of(scoped in ProcessSnapshot snapshot, int textLimit) => new(
            ArgumentsSize(snapshot.Arguments, textLimit) + CmdlineSize(snapshot.Arguments),
            ModulesSize(snapshot.LoadedModules, textLimit),
            SharedObjectsSize(snapshot.SharedObjects, textLimit),
            StringListSize(ProcessInfo.EnvironmentVariablesFieldNumber, snapshot.Environment, textLimit));
    }

    private static int Take(int need, ref int remaining)
    {
        int granted = Math.Max(0, Math.Min(need, remaining));
        remaining -= granted;
        return granted;
    }

    private static void WriteScalars(ref ProtobufWriter writer, scoped in ProcessSnapshot snapshot, int textLimit, ref bool truncated)
    {
        writer.WriteTextField(ProcessInfo.BinpathFieldNumber, Utf8Boundary.Prefix(snapshot.Binpath, textLimit, ref truncated));
        writer.WriteInt64Field(ProcessInfo.PidFieldNumber, snapshot.Pid);
        writer.WriteInt64Field(ProcessInfo.ParentPidFieldNumber, snapshot.ParentPid);
        writer.WriteInt64Field(ProcessInfo.TimeFieldNumber, Math.DivRem(snapshot.TimeMicroseconds, 1_000_000L).Quotient);
        WriteOptionalText(ref writer, ProcessInfo.SignatureFieldNumber, snapshot.Signature, textLimit, ref truncated);
        WriteOptionalText(ref writer, ProcessInfo.JobIdFieldNumber, snapshot.JobId, textLimit, ref truncated);
        WriteOptionalText(ref writer, ProcessInfo.UsernameFieldNumber, snapshot.Username, textLimit, ref truncated);
        WriteOptionalText(ref writer, ProcessInfo.HostnameFieldNumber, snapshot.Hostname, textLimit, ref truncated);
        writer.WriteUInt32Field(ProcessInfo.UidFieldNumber, snapshot.Uid);
        writer.WriteUInt32Field(ProcessInfo.GidFieldNumber, snapshot.Gid);
        WriteOptionalText(ref writer, ProcessInfo.CwdFieldNumber, snapshot.Cwd, textLimit, ref truncated);
        writer.WriteInt64Field(ProcessInfo.TimeUsFieldNumber, snapshot.TimeMicroseconds);
        WriteOptionalText(ref writer, ProcessInfo.AgentVersionFieldNumber, BuildDefaults.Version, textLimit, ref truncated);
    }

    private static void WriteOptionalText(ref ProtobufWriter writer, int field, ReadOnlySpan<byte> text, int textLimit, ref bool truncated)
    {
        if (!text.IsEmpty)
            writer.WriteTextField(field, Utf8Boundary.Prefix(text, textLimit, ref truncated));
    }

    private static int ListEntrySize(int field, ReadOnlySpan<byte> entry, int textLimit) =>
        ProtobufWriter.LengthDelimitedSize(field, Math.Min(entry.Length, textLimit));

    private static int StringListSize(int field, IByteStringList? list, int textLimit)
    {
        int size = 0;
        for (int i = 0; list is not null && i < list.Count; i++)
            size = SaturatingAdd(size, ListEntrySize(field, list[i], textLimit));
        return size;
    }

    private static void WriteStringList(ref ProtobufWriter writer, int field, IByteStringList? list, int budget, int textLimit, ref bool truncated)
    {
        int used = 0;
        for (int i = 0; list is not null && i < list.Count; i++)
        {
            var entry = list[i];
            used += ListEntrySize(field, entry, textLimit);
            if (used > budget)
            {
                truncated = true;
                return;
            }
            writer.WriteTextField(field, Utf8Boundary.Prefix(entry, textLimit, ref truncated));
        }
    }

    private static int ArgumentsSize(IByteStringList? arguments, int textLimit) => StringListSize(ProcessInfo.ArgumentsFieldNumber, arguments, textLimit);

    private static long JoinedLength(IByteStringList? parts)
    {
        if (parts is null || parts.Count == 0)
            return 0;
        long length = parts.Count - 1;
        for (int i = 0; i < parts.Count; i++)
            length += parts[i].Length;
        return length;
    }

    private static int CmdlineSize(IByteStringList? arguments)
    {
        long length = JoinedLength(arguments);
        return length == 0 ? 0 : (int)Math.Min(int.MaxValue / 2, ProtobufWriter.LengthDelimitedSize(ProcessInfo.CmdlineFieldNumber, (int)Math.Min(length, int.MaxValue / 4)));
    }

    /// <summary>
    /// arguments and cmdline carry the same text; when both do not fit, arguments keep the
    /// first half of the room (whole entries) and cmdline the rest (its tail cut).
    /// </summary>
    private static void WriteArguments(ref ProtobufWriter writer, IByteStringList? arguments, int need, int grant, int textLimit, ref bool truncated)
    {
        if (arguments is null || arguments.Count == 0)
            return;
        int start = writer.Position;
        WriteStringList(ref writer, ProcessInfo.ArgumentsFieldNumber, arguments, need <= grant ? grant : grant / 2, textLimit, ref truncated);
        int cmdlineBudget = grant - (writer.Position - start);
        int maxContent = LargestContent(ProcessInfo.CmdlineFieldNumber, cmdlineBudget);
        if (maxContent <= 0)
        {
            truncated = true;
            return;
        }
        if (writer.WriteJoinedField(ProcessInfo.CmdlineFieldNumber, arguments, (byte)' ', maxContent))
            truncated = true;
    }

    /// <summary>The longest content a length-delimited field can carry within <paramref name="budget"/> bytes.</summary>
    private static int LargestContent(int field, int budget)
    {
        int content = budget - ProtobufWriter.TagSize(field) - 1;
        while (content > 0 && ProtobufWriter.LengthDelimitedSize(field, content) > budget)
            content--;
        return content;
    }

    private static int ModuleSize(ReadOnlySpan<byte> name, int textLimit) =>
        ProtobufWriter.LengthDelimitedSize(ProcessInfo.LoadedModulesFieldNumber, ListEntrySize(Module.NameFieldNumber, name, textLimit));

    private static int ModulesSize(IByteStringList? modules, int textLimit)
    {
        int size = 0;
        for (int i = 0; modules is not null && i < modules.Count; i++)
            size = SaturatingAdd(size, ModuleSize(modules[i], textLimit));
        return size;
    }

    private static void WriteModules(ref ProtobufWriter writer, IByteStringList? modules, int budget, int textLimit, ref bool truncated)
    {
        int used = 0;
        for (int i = 0; modules is not null && i < modules.Count; i++)
        {
            var name = modules[i];
            used += ModuleSize(name, textLimit);
            if (used > budget)
            {
                truncated = true;
                return;
            }
            var kept = Utf8Boundary.Prefix(name, textLimit, ref truncated);
            writer.WriteLengthDelimitedHeader(ProcessInfo.LoadedModulesFieldNumber, ProtobufWriter.LengthDelimitedSize(Module.NameFieldNumber, kept.Length));
            writer.WriteTextField(Module.NameFieldNumber, kept);
        }
    }

    private static int SharedObjectContentSize(ReadOnlySpan<byte> path, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> loaderName, int textLimit) =>
        ListEntrySize(SharedObject.PathFieldNumber, path, textLimit)
        + (signature.IsEmpty ? 0 : ListEntrySize(SharedObject.SignatureFieldNumber, signature, textLimit))
        + (loaderName.IsEmpty ? 0 : ListEntrySize(SharedObject.LoaderNameFieldNumber, loaderName, textLimit));

    private static int SharedObjectSize(ReadOnlySpan<byte> path, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> loaderName, int textLimit) =>
        ProtobufWriter.LengthDelimitedSize(ProcessInfo.SharedObjectsFieldNumber, SharedObjectContentSize(path, signature, loaderName, textLimit));

    private static int SharedObjectsSize(ISharedObjectList? objects, int textLimit)
    {
        int size = 0;
        for (int i = 0; objects is not null && i < objects.Count; i++)
            size = SaturatingAdd(size, SharedObjectSize(objects.PathAt(i), objects.SignatureAt(i), objects.LoaderNameAt(i), textLimit));
        return size;
    }

    private static void WriteSharedObjects(ref ProtobufWriter writer, ISharedObjectList? objects, int budget, int textLimit, ref bool truncated)
    {
        int used = 0;
        for (int i = 0; objects is not null && i < objects.Count; i++)
        {
            var path = objects.PathAt(i);
            var signature = objects.SignatureAt(i);
            var loaderName = objects.LoaderNameAt(i);
            used += SharedObjectSize(path, signature, loaderName, textLimit);
            if (used > budget)
            {
                truncated = true;
                return;
            }
            path = Utf8Boundary.Prefix(path, textLimit, ref truncated);
            signature = Utf8Boundary.Prefix(signature, textLimit, ref truncated);
            loaderName = Utf8Boundary.Prefix(loaderName, textLimit, ref truncated);
            writer.WriteLengthDelimitedHeader(ProcessInfo.SharedObjectsFieldNumber, SharedObjectContentSize(path, signature, loaderName, textLimit));
            writer.WriteTextField(SharedObject.PathFieldNumber, path);
            if (!signature.IsEmpty)
                writer.WriteTextField(SharedObject.SignatureFieldNumber, signature);
            if (!loaderName.IsEmpty)
                writer.WriteTextField(SharedObject.LoaderNameFieldNumber, loaderName);
        }
    }

    private static int SaturatingAdd(int total, int size) => (int)Math.Min(int.MaxValue / 2, (long)total + size);
}
