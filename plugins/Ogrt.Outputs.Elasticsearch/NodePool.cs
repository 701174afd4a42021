namespace Ogrt.Outputs.Elasticsearch;

/// <summary>
/// The cluster's nodes in round-robin order. A node that failed (connection error, timeout,
/// 5xx) sits out a cool-down while the others take its share; when every node is cooling
/// down, the one that will recover first is tried anyway rather than failing unseen.
/// </summary>
internal sealed class NodePool
{
    private readonly Uri[] _nodes;
    private readonly long[] _coolingUntil;
    private readonly TimeSpan _cooldown;
    private readonly TimeProvider _timeProvider;
    private int _next = -1;

    public NodePool(IReadOnlyList<Uri> nodes, TimeSpan cooldown, TimeProvider timeProvider)
    {
        _nodes = [.. nodes];
        _coolingUntil = new long[_nodes.Length];
        _cooldown = cooldown;
        _timeProvider = timeProvider;
    }

    public int Count => _nodes.Length;

    /// <summary>
    /// The nodes to try for one request, in order: the available ones starting at the next
    /// round-robin position, then the cooling ones by recovery time.
    /// </summary>
    public Uri[] Candidates()
    {
        if (_nodes.Length == 1)
            return _nodes;
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_nodes.Length);
        long now = _timeProvider.GetTimestamp();
        var available = new List<Uri>(_nodes.Length);
        var cooling = new List<(long Until, Uri Node)>();
        for (int offset = 0; offset < _nodes.Length; offset++)
        {
            int index = (start + offset) % _nodes.Length;
            long until = Volatile.Read(ref _coolingUntil[index]);
            if (until <= now)
                available.Add(_nodes[index]);
            else
                cooling.Add((until, _nodes[index]));
        }
        cooling.Sort((a, b) => a.Until.CompareTo(b.Until));
        available.AddRange(cooling.Select(entry => entry.Node));
        return [.. available];
    }

    public void MarkFailed(Uri node)
    {
        int index = Array.IndexOf(_nodes, node);
        if (index < 0)
            return;
        long until = _timeProvider.GetTimestamp() + (long)(_cooldown.TotalSeconds * _timeProvider.TimestampFrequency);
        Volatile.Write(ref _coolingUntil[index], until);
    }

    public void MarkHealthy(Uri node)
    {
        int index = Array.IndexOf(_nodes, node);
        if (index >= 0 && Volatile.Read(ref _coolingUntil[index]) != 0)
            Volatile.Write(ref _coolingUntil[index], 0);
    }
}
