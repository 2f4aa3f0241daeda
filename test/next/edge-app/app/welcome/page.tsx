export default function Welcome() {
  return <p id="welcome">welcome</p>;
}
