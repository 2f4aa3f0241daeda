export default function Members() {
  return <p id="members">members only</p>;
}
